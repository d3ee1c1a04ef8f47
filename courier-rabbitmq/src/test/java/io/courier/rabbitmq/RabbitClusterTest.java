package io.courier.rabbitmq;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMqCluster;
import io.courier.testkit.FaultLoad;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scale-out path: three private nodes joined in a cluster, a subscription's quorum queue replicated on all three.
 * The node the client is connected to is SIGKILLed while 20 publishers send and a subscriber consumes: the client moves
 * to another node, and every message is delivered (publishers retry only what failed).
 */
class RabbitClusterTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 250;

    @Test
    void aKilledNodeUnderLoadLosesNoConfirmedMessage() throws Exception {
        try (EmbeddedRabbitMqCluster cluster = EmbeddedRabbitMqCluster.of(3).start()) {
            System.out.printf("[rabbitmq-cluster] 3 nodes started and joined; slowest node start %d ms%n",
                    cluster.lastStartupTime().toMillis());
            String topic = "cluster-" + System.nanoTime();
            FaultLoad load = new FaultLoad(THREADS, PER_THREAD);
            BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(60)).build();
            try (Broker broker = Brokers.open(cluster.url(), options)) {
                Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "replicated")
                        .type(SubscriptionType.SHARED).ordering(Ordering.UNORDERED).concurrency(4).build(), String.class,
                        load.handler());
                load.publish(broker, topic, false, Duration.ofMillis(5));
                load.awaitReceived(1_000, Duration.ofSeconds(60));
                long begin = System.nanoTime();
                cluster.node(1).kill();   // the first address: the node the client is connected to
                load.awaitPublished(Duration.ofMinutes(3));
                long publishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
                load.assertNothingLost(Duration.ofMinutes(2));
                load.assertDuplicatesAtMost(load.publishRetries() + THREADS + SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                        "a publish sent again, one unconfirmed publish per publisher sent again after the reconnect, and "
                        + "what the consumer held unacknowledged at the fault");
                System.out.printf("[rabbitmq-cluster] node 1 SIGKILLed under load: %d messages, 0 lost, %d duplicate "
                        + "deliveries, %d publish retries; the publishers finished %d ms after the kill%n",
                        load.messages(), load.duplicates(), load.publishRetries(), publishedMs);
                sub.close(Duration.ofSeconds(10));
            }
        }
    }
}
