package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.kafka.embedded.EmbeddedKafkaCluster;
import io.courier.testkit.Await;
import io.courier.testkit.FaultLoad;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Beyond one machine's broker: a three-node KRaft cluster (replication factor 3, {@code min.insync.replicas} 2). While
 * 10 publishers send 10,000 keyed messages and a subscriber consumes them, the leader of partition 0 is SIGKILLed.
 * Nothing may be lost; duplicates are counted; the time until the partition has a new leader is measured.
 */
class KafkaClusterTest {
    private static final int THREADS = 10;
    private static final int PER_THREAD = 1_000;
    private EmbeddedKafkaCluster cluster;

    @BeforeEach
    void start() {
        cluster = EmbeddedKafkaCluster.of(3).start();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static int leaderOf(Admin admin, String topic, int partition) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        Node leader = d.partitions().get(partition).leader();
        return leader == null ? -1 : leader.id();
    }

    @Test
    void killingAPartitionLeaderUnderLoadLosesNothing() throws Exception {
        String topic = "cluster-failover";
        FaultLoad load = new FaultLoad(THREADS, PER_THREAD);
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        try (Broker broker = Brokers.open("kafka://" + cluster.bootstrapServers(),
                BrokerOptions.builder().publishTimeout(Duration.ofSeconds(60)).build());
             Admin admin = Admin.create(p)) {
            broker.admin().ensureTopic(topic, 3);
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            assertThat(d.partitions()).allSatisfy(info -> assertThat(info.replicas()).hasSize(3));
            Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "failover")
                    .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.UNORDERED).concurrency(4).build(),
                    String.class, load.handler());
            load.publish(broker, topic, true, Duration.ofMillis(2));
            load.awaitReceived(2_000, Duration.ofSeconds(60));
            int leader = leaderOf(admin, topic, 0);
            EmbeddedKafka victim = cluster.node(leader);
            long killedAt = System.nanoTime();
            victim.kill();
            Await.until(Duration.ofSeconds(60), () -> {
                try {
                    int now = leaderOf(admin, topic, 0);
                    return now != -1 && now != leader;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "partition 0 has no new leader");
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            load.awaitPublished(Duration.ofMinutes(5));
            load.assertNothingLost(Duration.ofMinutes(2));
            load.assertDuplicatesAtMost(load.publishRetries() + 3 * SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                    "a publish sent again, and what the member held when the leader died: up to maxInFlight in its "
                    + "handlers, as many queued from its last fetch, and what it acknowledged since its last commit");
            System.out.printf("[fault] kafka cluster of 3: leader of partition 0 (node %d) SIGKILLed under load; new leader "
                    + "in %d ms; %d messages, 0 lost, %d duplicate deliveries, %d publish retries%n", leader, failoverMs,
                    load.messages(), load.duplicates(), load.publishRetries());
            sub.close(Duration.ofSeconds(10));
        }
    }
}
