package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.PublishException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.kafka.embedded.EmbeddedKafkaCluster;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        AtomicInteger publishRetries = new AtomicInteger();
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
                    String.class, m -> received.computeIfAbsent(m.payload(), k -> new AtomicInteger()).incrementAndGet());
            ExecutorService publishers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(publishers.submit(() -> {
                    for (int i = 0; i < PER_THREAD; i++) {
                        String payload = thread + "-" + i;
                        while (true) {
                            try {
                                broker.publish(Envelope.builder(topic, payload).key(payload).codec("text").build());
                                break;
                            } catch (PublishException e) {
                                publishRetries.incrementAndGet();
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                            }
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    }
                    return null;
                }));
            }
            Await.until(Duration.ofSeconds(60), () -> received.size() >= 2_000, () -> "received " + received.size());
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
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            publishers.shutdown();
            Set<String> expected = new HashSet<>();
            for (int t = 0; t < THREADS; t++) {
                for (int i = 0; i < PER_THREAD; i++) {
                    expected.add(t + "-" + i);
                }
            }
            Await.until(Duration.ofMinutes(2), () -> received.keySet().containsAll(expected),
                    () -> "received " + received.size() + " of " + expected.size() + " distinct");
            int duplicates = received.values().stream().mapToInt(AtomicInteger::get).sum() - received.size();
            System.out.printf("[fault] kafka cluster of 3: leader of partition 0 (node %d) SIGKILLed under load; new leader "
                    + "in %d ms; %d messages, 0 lost, %d duplicate deliveries, %d publish retries%n", leader, failoverMs,
                    expected.size(), duplicates, publishRetries.get());
            assertThat(received.keySet()).isEqualTo(expected);
            sub.close(Duration.ofSeconds(10));
        }
    }
}
