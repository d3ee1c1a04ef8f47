package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.BacklogQuota;
import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.UnsupportedFeatureException;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.kafka.embedded.EmbeddedKafkaExtension;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What is particular to Kafka: partitions as the unit of sharing, rebalances with work in flight, lag, refusals. */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaFeaturesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Brokers.open(url());
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        broker.close();
    }

    private static String url() {
        return "kafka://" + EmbeddedKafkaExtension.shared().bootstrapServers();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private <T> Subscription subscribe(SubscribeOptions o, Class<T> type, io.courier.Handler<T> h) {
        Subscription s = broker.subscribe(o, type, h);
        toClose.add(s);
        return s;
    }

    private List<MessageId> publishKeyed(String topic, int keys, int perKey) {
        List<CompletableFuture<MessageId>> sent = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                sent.add(broker.publishAsync(Envelope.builder(topic, "k" + k + ":" + i).key("k" + k).codec("text").build()));
            }
        }
        return sent.stream().map(CompletableFuture::join).toList();
    }

    /**
     * Waits until {@code members} members of {@code group} each own partitions: a member that joins gets its share
     * once the others have given it up, which with Kafka's consumer protocol happens after the join returns.
     */
    private static void awaitBalanced(String group, int members) {
        Properties p = new Properties();
        p.put("bootstrap.servers", EmbeddedKafkaExtension.shared().bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Await.until(WAIT, () -> {
                try {
                    var d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    return d.members().size() == members
                            && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
                } catch (Exception e) {
                    return false;
                }
            }, () -> "group " + group + " not balanced over " + members + " members");
        }
    }

    private static void assertPerKeyOrder(List<Message<String>> messages) {
        Map<String, Integer> last = new HashMap<>();
        for (Message<String> m : messages) {
            int seq = Integer.parseInt(m.payload().substring(m.payload().indexOf(':') + 1));
            Integer before = last.put(m.key().orElseThrow(), seq);
            assertThat(before == null || before < seq).as("order of key " + m.key() + ": " + before + " then " + seq).isTrue();
        }
    }

    @Test
    void aKeySharedSubscribeReturnsOnceTheGroupHasSettledWithTheNewMember() throws Exception {
        String topic = unique("settle");
        String sub = unique("s");
        broker.admin().ensureTopic(topic, 4);
        SubscribeOptions options = SubscribeOptions.builder(topic, sub).type(SubscriptionType.KEY_SHARED).build();
        Properties p = new Properties();
        p.put("bootstrap.servers", EmbeddedKafkaExtension.shared().bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            for (int members = 1; members <= 2; members++) {
                long begin = System.nanoTime();
                subscribe(options, String.class, m -> { });
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
                // read right after subscribe returned: no waiting here
                var group = admin.describeConsumerGroups(List.of(sub)).all().get(10, TimeUnit.SECONDS).get(sub);
                assertThat(group.members()).as("members after subscribe #" + members).hasSize(members);
                assertThat(group.members()).allSatisfy(m -> {
                    assertThat(m.assignment().topicPartitions()).as("member " + m.clientId() + " owns partitions").isNotEmpty();
                    assertThat(m.targetAssignment()).as("member " + m.clientId() + " at its target").contains(m.assignment());
                });
                assertThat(group.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum())
                        .as("every partition owned").isEqualTo(4);
                System.out.printf("[kafka] KEY_SHARED subscribe #%d returned after %d ms with the group settled%n",
                        members, tookMs);
            }
        }
    }

    @Test
    void theCursorOfASubscriptionIsRefusedWhileOneOfItsMembersIsConnectedAndMovedOnceNoneIs() {
        String topic = unique("cursor");
        String sub = unique("s");
        publishKeyed(topic, 1, 10);
        Subscription member = subscribe(SubscribeOptions.builder(topic, sub).type(SubscriptionType.FAILOVER)
                .initialPosition(InitialPosition.LATEST).build(), String.class, m -> { });
        Await.until(WAIT, () -> member.health().state() == io.courier.SubscriptionState.RUNNING, member::toString);
        assertThatThrownBy(() -> broker.admin().skipAll(topic, sub))
                .isInstanceOf(io.courier.CourierException.class)
                .hasMessageContaining("its consumers are connected")
                .hasMessageContaining("stop them first");
        member.close(Duration.ofSeconds(10));
        publishKeyed(topic, 1, 5);
        assertThat(broker.admin().backlog(topic, sub)).isEqualTo(5);
        broker.admin().skipAll(topic, sub);
        assertThat(broker.admin().backlog(topic, sub)).isZero();
    }

    @Test
    void keySharedSpreadsKeysOverPartitionsAndSubscribersKeepingEachKeysOrder() {
        String topic = unique("spread");
        String sub = unique("s");
        broker.admin().ensureTopic(topic, 6);
        List<Recorder<String>> recorders = List.of(new Recorder<>(), new Recorder<>(), new Recorder<>());
        List<Subscription> subs = new ArrayList<>();
        for (Recorder<String> r : recorders) {
            subs.add(subscribe(SubscribeOptions.builder(topic, sub).type(SubscriptionType.KEY_SHARED).ordering(Ordering.PER_KEY)
                    .concurrency(4).build(), String.class, r));
        }
        awaitBalanced(sub, 3);
        Set<MessageId> sent = new HashSet<>(publishKeyed(topic, 60, 50));
        Await.until(WAIT, () -> recorders.stream().mapToInt(Recorder::count).sum() >= sent.size(),
                () -> "received " + recorders.stream().mapToInt(Recorder::count).sum() + " " + subs.stream().map(Subscription::health).toList());
        Set<MessageId> all = new HashSet<>();
        Map<String, Integer> owner = new HashMap<>();
        for (int i = 0; i < recorders.size(); i++) {
            Recorder<String> r = recorders.get(i);
            all.addAll(r.ids());
            assertThat(r.count()).as("subscriber " + i + " got messages").isPositive();
            assertPerKeyOrder(r.messages());
            for (Message<String> m : r.messages()) {
                Integer was = owner.put(m.key().orElseThrow(), i);
                assertThat(was == null || was == i).as("key " + m.key() + " on one subscriber").isTrue();
            }
        }
        assertThat(all).isEqualTo(sent);
        assertThat(owner).hasSize(60);
        System.out.printf("[kafka] 3,000 messages of 60 keys over 6 partitions: %d / %d / %d per subscriber%n",
                recorders.get(0).count(), recorders.get(1).count(), recorders.get(2).count());
    }

    @Test
    void aRebalanceWithMessagesInFlightLosesNothingAndKeepsEachKeysOrder() {
        String topic = unique("rebalance");
        String sub = unique("s");
        broker.admin().ensureTopic(topic, 4);
        Map<MessageId, AtomicInteger> seen = new ConcurrentHashMap<>();
        Recorder<String> first = new Recorder<>();
        Recorder<String> second = new Recorder<>();
        io.courier.Handler<String> slowFirst = m -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));   // work that takes a while: messages stay in flight
            seen.computeIfAbsent(m.id(), k -> new AtomicInteger()).incrementAndGet();
            first.handle(m);
        };
        io.courier.Handler<String> slowSecond = m -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            seen.computeIfAbsent(m.id(), k -> new AtomicInteger()).incrementAndGet();
            second.handle(m);
        };
        SubscribeOptions options = SubscribeOptions.builder(topic, sub).type(SubscriptionType.KEY_SHARED)
                .ordering(Ordering.PER_KEY).concurrency(4).maxInFlight(200).build();
        Subscription a = subscribe(options, String.class, slowFirst);
        // published at about 2,000 a second for 4 s, so that the partitions move while both messages and work flow
        CompletableFuture<List<MessageId>> publishing = CompletableFuture.supplyAsync(() -> {
            List<CompletableFuture<MessageId>> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                for (int k = 0; k < 40; k++) {
                    ids.add(broker.publishAsync(Envelope.builder(topic, "k" + k + ":" + i).key("k" + k).codec("text")
                            .build()));
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
                }
            }
            return ids.stream().map(CompletableFuture::join).toList();
        });
        Await.until(WAIT, () -> first.count() >= 500, () -> "first received " + first.count());
        long joined = System.nanoTime();
        subscribe(options, String.class, slowSecond);   // partitions move while the first has work in flight
        Await.until(WAIT, () -> second.count() > 0, () -> "second received nothing");
        long moved = System.nanoTime() - joined;
        Set<MessageId> sent = new HashSet<>(publishing.join());
        Await.until(WAIT, () -> seen.keySet().containsAll(sent), () -> "received " + seen.size() + " of " + sent.size());
        assertThat(seen.keySet()).isEqualTo(sent);
        // the member losing partitions finishes and commits what it holds of them before they move
        Map<MessageId, Integer> twice = new HashMap<>();
        seen.forEach((id, times) -> {
            if (times.get() > 1) {
                twice.put(id, times.get());
            }
        });
        assertThat(twice).as("messages delivered more than once across the rebalance").isEmpty();
        System.out.printf("[kafka] rebalance with work in flight: 4,000 messages, 0 lost, 0 delivered twice; the new "
                + "member's first message %d ms after it joined%n", TimeUnit.NANOSECONDS.toMillis(moved));
        assertPerKeyOrder(second.messages());
        a.close(Duration.ofSeconds(10));
        assertPerKeyOrder(first.messages());
    }

    @Test
    void theBacklogIsTheGroupsLagOverEveryPartition() {
        String topic = unique("lag");
        String sub = unique("s");
        broker.admin().ensureTopic(topic, 3);
        subscribe(SubscribeOptions.builder(topic, sub).initialPosition(InitialPosition.EARLIEST).build(), String.class,
                m -> { }).close(Duration.ofSeconds(5));
        assertThat(broker.admin().backlog(topic, sub)).isZero();
        publishKeyed(topic, 9, 10);
        assertThat(broker.admin().backlog(topic, sub)).isEqualTo(90);
        assertThat(broker.admin().backlog(topic, unique("never-made"))).isZero();
        Recorder<String> rec = new Recorder<>();
        subscribe(SubscribeOptions.builder(topic, sub).build(), String.class, rec);
        rec.awaitCount(90, WAIT);
        Await.until(WAIT, () -> broker.admin().backlog(topic, sub) == 0, () -> "lag " + broker.admin().backlog(topic, sub));
    }

    @Test
    void anExclusiveSubscriptionIsRefusedWhileAnotherProcessIsInItsGroup() {
        String topic = unique("excl");
        String sub = unique("s");
        broker.admin().ensureTopic(topic, 1);
        Properties p = new Properties();
        p.put("bootstrap.servers", EmbeddedKafkaExtension.shared().bootstrapServers());
        p.put("group.id", sub);
        p.put("group.protocol", "consumer");
        try (KafkaConsumer<byte[], byte[]> other = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            other.subscribe(List.of(topic));
            Await.until(WAIT, () -> {
                other.poll(Duration.ofMillis(100));
                return !other.assignment().isEmpty();
            }, () -> "the other member never joined");
            assertThatThrownBy(() -> subscribe(SubscribeOptions.builder(topic, sub).build(), String.class, m -> { }))
                    .isInstanceOf(SubscriptionBusyException.class)
                    .hasMessageContaining(sub).hasMessageContaining("1 member");
        }
    }

    @Test
    void whatKafkaCannotDoIsRefusedAtTheCallWithWhatToDoInstead() {
        String topic = unique("refused");
        assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, "later").deliverAfter(Duration.ofSeconds(5)).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("DELAYED_DELIVERY");
        assertThatThrownBy(() -> broker.admin().setBacklogQuota(topic, BacklogQuota.ofBytes(1000)))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("retention");
        assertThatThrownBy(() -> broker.publish(Envelope.builder("has space", "x").build()))
                .isInstanceOf(io.courier.InvalidTopicException.class);
        assertThatThrownBy(() -> broker.publish(Envelope.builder("a/b", "x").build()))
                .isInstanceOf(io.courier.InvalidTopicException.class).hasMessageContaining("'/'");
        broker.admin().ensureTopic(topic, 2);
        assertThatThrownBy(() -> broker.admin().ensureTopic(topic, 3))
                .isInstanceOf(io.courier.ConfigurationException.class).hasMessageContaining("2 partition");
        EmbeddedKafka kafka = EmbeddedKafkaExtension.shared();
        assertThat(kafka.isRunning()).isTrue();
    }
}
