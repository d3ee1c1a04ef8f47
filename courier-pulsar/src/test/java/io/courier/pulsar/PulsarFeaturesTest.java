package io.courier.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pulsar-specific behaviour on the real embedded broker. */
@ExtendWith(EmbeddedPulsarExtension.class)
class PulsarFeaturesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Broker open(EmbeddedPulsar pulsar) {
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    /**
     * Closing a broker does not wait for the client's threads to wind down (Netty's two-second quiet period, which
     * every close used to take): consumers and producers are closed, acknowledgements flushed, then it returns. The
     * next broker on the same URL, opened at once, finds every acknowledged message gone.
     */
    @Test
    void closeReturnsOnceConsumersAndProducersAreClosedNotAfterTheClientWindsDown(EmbeddedPulsar pulsar) throws Exception {
        String topic = "close-fast-" + System.nanoTime();
        Broker broker = open(pulsar);
        io.courier.testkit.Recorder<String> received = new io.courier.testkit.Recorder<>();
        broker.subscribe(io.courier.SubscribeOptions.builder(topic, "close-fast")
                .initialPosition(io.courier.InitialPosition.EARLIEST).build(), String.class, received);
        for (int i = 0; i < 10; i++) {
            broker.publish(topic, "m-" + i);
        }
        received.awaitCount(10, Duration.ofSeconds(30));
        long begin = System.nanoTime();
        broker.close();
        long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        assertThat(ms).as("close took %d ms", ms).isLessThan(1_000);

        try (Broker next = open(pulsar)) {
            io.courier.testkit.Recorder<String> again = new io.courier.testkit.Recorder<>();
            next.subscribe(io.courier.SubscribeOptions.builder(topic, "close-fast").build(), String.class, again);
            next.publish(topic, "after");
            again.awaitCount(1, Duration.ofSeconds(30));
            assertThat(again.payloads()).as("the ten acknowledged before the close stay acknowledged").containsExactly("after");
        }
        System.out.printf("[pulsar] close with 10 messages handled: %d ms%n", ms);
    }

    @Test
    void partitionedTopicSpreadsKeysAndKeepsPerKeyOrder(EmbeddedPulsar pulsar) {
        String topic = "partitioned-" + UUID.randomUUID();
        try (Broker broker = open(pulsar)) {
            broker.admin().ensureTopic(topic, 4);
            broker.admin().ensureTopic(topic, 4);
            assertThatThrownBy(() -> broker.admin().ensureTopic(topic, 2)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("already exists with 4 partition(s)");
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST)
                    .type(SubscriptionType.FAILOVER).ordering(Ordering.PER_KEY).concurrency(4).build(), String.class, rec);
            Set<MessageId> sent = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                for (int k = 0; k < 20; k++) {
                    sent.add(broker.publish(Envelope.builder(topic, "k" + k + ":" + i).key("k" + k).codec("text").build()));
                }
            }
            rec.awaitIds(sent, WAIT);
            Map<String, Set<String>> keysByPartition = new HashMap<>();
            Map<String, Integer> last = new HashMap<>();
            for (Message<String> m : rec.messages()) {
                keysByPartition.computeIfAbsent(m.topic(), t -> new HashSet<>()).add(m.key().orElseThrow());
                String[] parts = m.payload().split(":");
                Integer prev = last.put(parts[0], Integer.parseInt(parts[1]));
                if (prev != null) {
                    assertThat(Integer.parseInt(parts[1])).as("order of " + parts[0]).isGreaterThan(prev);
                }
            }
            assertThat(keysByPartition).hasSize(4);
            assertThat(keysByPartition.keySet()).allMatch(t -> t.matches(".*" + topic + "-partition-[0-3]"));
            Set<String> seen = new HashSet<>();
            keysByPartition.values().forEach(keys -> keys.forEach(k -> assertThat(seen.add(k)).as("key " + k + " in one partition").isTrue()));
            // acknowledgements travel in groups: poll until the broker has them all
            Await.until(WAIT, () -> broker.admin().backlog(topic, "s") == 0, () -> "backlog " + broker.admin().backlog(topic, "s"));
        }
    }

    @Test
    void producerCustomizerRunsOncePerTopicAndKeepsTheCache(EmbeddedPulsar pulsar) {
        AtomicInteger producersMade = new AtomicInteger();
        PulsarOptions options = PulsarOptions.builder().set(PulsarOptions.ADMIN_URL, pulsar.httpUrl())
                .producerCustomizer(b -> {
                    producersMade.incrementAndGet();
                    b.topic("persistent://public/default/not-the-one");   // the real topic is set after this
                }).build();
        String topic = "custom-" + UUID.randomUUID();
        try (Broker broker = PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(), options)) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, rec);
            MessageId a = broker.publish(Envelope.builder(topic, "a").codec("text").build());
            MessageId b = broker.publish(Envelope.builder(topic, "b").codec("text").key("other").build());
            broker.publish(Envelope.builder(topic + "-2", "c").codec("text").build());
            rec.awaitIds(Set.of(a, b), WAIT);
            assertThat(producersMade).hasValue(2);
        }
    }

    @Test
    void badSettingsAreListedWithoutSecrets(EmbeddedPulsar pulsar) {
        assertThatThrownBy(() -> Brokers.open(pulsar.serviceUrl() + "?compression=BROTLI&colour=red&authToken=&nackDelayMs=soon"))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(4));
        assertThat(PulsarOptions.builder().set(PulsarOptions.AUTH_TOKEN, "very-secret").build().toString())
                .doesNotContain("very-secret");
    }

    @Test
    void nativeSettingsPassThroughToTheClientAndUnknownOnesFailAtOpen(EmbeddedPulsar pulsar) throws Exception {
        String topic = "native-" + UUID.randomUUID();
        String url = pulsar.serviceUrl() + "?producer.producerName=courier-native-producer"
                + "&consumer.consumerName=courier-native-consumer&client.numListenerThreads=2";
        try (Broker broker = Brokers.open(url, BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
             org.apache.pulsar.client.admin.PulsarAdmin admin = org.apache.pulsar.client.admin.PulsarAdmin.builder()
                     .serviceHttpUrl(pulsar.httpUrl()).build()) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, rec);
            MessageId id = broker.publish(Envelope.builder(topic, "x").codec("text").build());
            rec.awaitIds(Set.of(id), WAIT);
            var stats = admin.topics().getStats("persistent://public/default/" + topic);
            assertThat(stats.getPublishers()).extracting(p -> p.getProducerName()).containsExactly("courier-native-producer");
            assertThat(stats.getSubscriptions().get("s").getConsumers()).extracting(c -> c.getConsumerName())
                    .containsExactly("courier-native-consumer");
        }
        assertThatThrownBy(() -> Brokers.open(pulsar.serviceUrl() + "?producer.noSuchSetting=1",
                BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("producer.noSuchSetting");
    }

    @Test
    void nothingListeningFailsFastWithAClearError() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open("pulsar://127.0.0.1:1?connectionTimeoutMs=2000&operationTimeoutMs=3000"))
                .isInstanceOf(ConnectException.class).hasMessageContaining("pulsar://127.0.0.1:1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
}
