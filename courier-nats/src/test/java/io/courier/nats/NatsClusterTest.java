package io.courier.nats;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConnectException;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.nats.embedded.EmbeddedNatsCluster;
import io.courier.testkit.Await;
import io.courier.testkit.FaultLoad;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scale-out path: three private NATS servers routed into one cluster, each topic's stream replicated on all three
 * ({@code replicas=3}). The server that leads the topic's stream is SIGKILLed while 20 publishers send and a subscriber
 * consumes: JetStream elects another leader, the clients carry on through the other servers, and every acknowledged
 * publish is delivered. A publish the dead leader never acknowledged fails at its publish timeout (10 s here) and its
 * publisher sends it again.
 */
class NatsClusterTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 250;

    @Test
    void theStreamLeaderKilledUnderLoadLosesNoAcknowledgedMessage() throws Exception {
        try (EmbeddedNatsCluster cluster = EmbeddedNatsCluster.of(3).start()) {
            String url = cluster.url() + "?replicas=3";
            BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(10)).build();
            long begin = System.nanoTime();
            try (Broker broker = openWhenJetStreamIsUp(url, options);
                 Connection raw = Nats.connect(new Options.Builder().servers(cluster.url().substring("nats://".length())
                         .split(",")).build())) {
                System.out.printf("[nats-cluster] 3 servers started (slowest %d ms), JetStream answering %d ms after%n",
                        cluster.lastStartupTime().toMillis(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
                String topic = "cluster-" + System.nanoTime();
                FaultLoad load = new FaultLoad(THREADS, PER_THREAD);
                Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "replicated")
                        .type(SubscriptionType.SHARED).ordering(Ordering.UNORDERED).concurrency(4).build(), String.class,
                        load.handler());
                load.publish(broker, topic, false, Duration.ofMillis(5));
                load.awaitReceived(1_000, Duration.ofSeconds(60));
                String leaderName = raw.jetStreamManagement().getStreamInfo(NatsTopicNaming.stream(topic))
                        .getClusterInfo().getLeader();
                EmbeddedNats leader = cluster.serverNamed(leaderName).orElseThrow(() -> new AssertionError(
                        "the stream's leader " + leaderName + " is none of the cluster's servers"));
                long kill = System.nanoTime();
                leader.kill();
                load.awaitPublished(Duration.ofMinutes(3));
                long publishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - kill);
                load.assertNothingLost(Duration.ofMinutes(2));
                load.assertDuplicatesAtMost(load.publishRetries() + THREADS + SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                        "a publish sent again, and what the consumer held unacknowledged at the fault");
                System.out.printf("[nats-cluster] stream leader %s SIGKILLed under load: %d messages, 0 lost, %d "
                                + "duplicate deliveries, %d publish retries; the publishers finished %d ms after the kill%n",
                        leaderName, load.messages(), load.duplicates(), load.publishRetries(), publishedMs);
                sub.close(Duration.ofSeconds(10));
            }
        }
    }

    /** A broker on the cluster, once JetStream has elected its meta leader (a moment after the servers are up). */
    private static Broker openWhenJetStreamIsUp(String url, BrokerOptions options) {
        Broker[] opened = new Broker[1];
        String[] last = {"no attempt yet"};
        Await.until(Duration.ofSeconds(60), () -> {
            try {
                opened[0] = Brokers.open(url, options);
                return true;
            } catch (ConnectException e) {
                last[0] = e.getMessage();
                return false;
            }
        }, () -> "JetStream of the cluster not answering: " + last[0]);
        return opened[0];
    }
}
