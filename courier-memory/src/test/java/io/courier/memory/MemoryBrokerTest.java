package io.courier.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.CodecException;
import io.courier.ConfigurationException;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.InvalidTopicException;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.testkit.Recorder;
import io.courier.testkit.TestOrder;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Memory-specific behaviour and bad input as a user meets it. */
class MemoryBrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Broker broker = Brokers.open("memory://broker-test");
    private final String topic = "mem-" + UUID.randomUUID();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void unknownSchemeListsTheAvailableSchemes() {
        assertThatThrownBy(() -> Brokers.open("kafka://localhost:9092")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no Courier backend for scheme 'kafka'").hasMessageContaining("memory");
        assertThatThrownBy(() -> Brokers.open("pulsar://localhost:6650")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("add io.courier:courier-pulsar");
        assertThatThrownBy(() -> Brokers.open("localhost:6650")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Brokers.open("no scheme")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("malformed");
    }

    @Test
    void topicsTheBackendsNamingRefusesFailAtPublishAndSubscribe() {
        assertThatThrownBy(() -> broker.publish(Envelope.of("a//b", "x"))).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("invalid part");
        assertThat(broker.publishAsync(Envelope.of("kafka://a/b/c", "x"))).failsWithin(WAIT)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builder("a//b", "s").build(), String.class, m -> { }))
                .isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builder(topic, "s").deadLetterTopic("x/y").build(),
                String.class, m -> { })).isInstanceOf(InvalidTopicException.class).hasMessageContaining("x/y");
    }

    @Test
    void badMemorySettingsAreAllListed() {
        assertThatThrownBy(() -> Brokers.open("memory://bad?retention=-1&maxMessageBytes=lots&colour=red"))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void aByteArrayHandlerGetsThePayloadAsSentWhateverItsContentType() {
        Recorder<byte[]> raw = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic, "relay").initialPosition(InitialPosition.EARLIEST).build(),
                byte[].class, raw);
        broker.publish(Envelope.builder(topic, new TestOrder("o-1", "c-1", 2, null)).codec("json").build());
        raw.awaitCount(1, WAIT);
        assertThat(new String(raw.payloads().get(0), java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("{").contains("\"id\":\"o-1\"");
        assertThat(raw.messages().get(0).headers().get(io.courier.Headers.CONTENT_TYPE)).isEqualTo("application/json");
    }

    @Test
    void omitDefaultContentTypeLeavesTheHeaderOffOnlyForTheDefaultCodecAndConsumersStillDecode() {
        try (Broker omitting = Brokers.open("memory://omit-content-type",
                io.courier.BrokerOptions.builder().omitDefaultContentType(true).build())) {
            Recorder<byte[]> raw = new Recorder<>();
            Recorder<TestOrder> orders = new Recorder<>();
            SubscribeOptions.Builder at = SubscribeOptions.builder(topic, "raw").initialPosition(InitialPosition.EARLIEST);
            omitting.subscribe(at.build(), byte[].class, raw);
            omitting.publish(Envelope.builder(topic, new TestOrder("o-1", "c-1", 2, null)).header("x-trace", "t1").build());
            omitting.publish(Envelope.builder(topic, new TestOrder("o-2", "c-1", 3, null)).codec("json").build());
            omitting.publish(Envelope.builder(topic, "plain words").codec("text").build());
            raw.awaitCount(3, WAIT);
            assertThat(raw.messages()).extracting(m -> m.headers().get(io.courier.Headers.CONTENT_TYPE))
                    .containsExactly(null, null, "text/plain; charset=utf-8");
            assertThat(raw.messages().get(0).headers().get("x-trace")).isEqualTo("t1");
            omitting.subscribe(SubscribeOptions.builder(topic + "-orders", "s").initialPosition(InitialPosition.EARLIEST).build(),
                    TestOrder.class, orders);
            omitting.publish(Envelope.builder(topic + "-orders", new TestOrder("o-3", "c-2", 1, null)).build());
            orders.awaitCount(1, WAIT);
            assertThat(orders.payloads()).extracting(TestOrder::id).containsExactly("o-3");
        }
    }

    @Test
    void unknownCodecFailsThePublishAndTheSubscribe() {
        assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, "x").codec("avro").build()))
                .isInstanceOf(CodecException.class).hasMessageContaining("unknown codec 'avro'");
        assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builder(topic, "s").codec("avro").build(), String.class, m -> { }))
                .isInstanceOf(CodecException.class);
    }

    @Test
    void payloadOfTheWrongTypeIsDeadLetteredNotLost() {
        Recorder<byte[]> deadBytes = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic + "-s-DLQ", "d2").codec("bytes").build(), byte[].class, deadBytes);
        Recorder<TestOrder> orders = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic, "s").build(), TestOrder.class, orders);
        MessageId id = broker.publish(Envelope.builder(topic, "just text").codec("text").build());
        deadBytes.awaitCount(1, WAIT);
        assertThat(deadBytes.messages().get(0).headers().get(DeadLetter.MESSAGE_ID)).isEqualTo(id.value());
        assertThat(deadBytes.messages().get(0).headers().get(DeadLetter.EXCEPTION_MESSAGE)).contains(TestOrder.class.getName());
        assertThat(orders.count()).isZero();
    }

    @Test
    void delayIsIgnoredOnExclusiveAsOnPulsar() {
        Recorder<String> rec = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic, "s").type(SubscriptionType.EXCLUSIVE).build(), String.class, rec);
        long before = System.nanoTime();
        MessageId id = broker.publish(Envelope.builder(topic, "x").codec("text").deliverAfter(Duration.ofSeconds(20)).build());
        rec.awaitIds(Set.of(id), WAIT);
        assertThat(System.nanoTime() - before).isLessThan(Duration.ofSeconds(20).toNanos());
    }

    @Test
    void redeliveryCountGrowsWhenAConsumerLeavesWithoutAck() {
        CountDownLatch never = new CountDownLatch(1);
        Subscription first = broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, m -> never.await());
        MessageId id = broker.publish(Envelope.builder(topic, "x").codec("text").build());
        io.courier.testkit.Await.until(WAIT, () -> first.health().inFlight() == 1, () -> "not delivered");
        first.close(Duration.ZERO);
        Recorder<String> rec = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, rec);
        rec.awaitIds(Set.of(id), WAIT);
        assertThat(rec.messages().get(0).redeliveryCount()).isEqualTo(1);
    }

    @Test
    void patternSubscriptionSeesExistingAndNewTopics() {
        String prefix = "pat-" + UUID.randomUUID().toString().substring(0, 8);
        broker.publish(Envelope.builder(prefix + "-a", "ignored: no subscription yet").codec("text").build());
        Recorder<String> rec = new Recorder<>();
        broker.subscribe(SubscribeOptions.builderForPattern(prefix + "-.*", "s").initialPosition(InitialPosition.EARLIEST)
                .build(), String.class, rec);
        Set<MessageId> sent = new HashSet<>();
        sent.add(broker.publish(Envelope.builder(prefix + "-a", "a").codec("text").build()));
        sent.add(broker.publish(Envelope.builder(prefix + "-b", "b").codec("text").build()));
        sent.add(broker.publish(Envelope.builder("persistent://public/default/" + prefix + "-c", "c").codec("text").build()));
        broker.publish(Envelope.builder("other-" + prefix, "not matching").codec("text").build());
        rec.awaitIds(sent, WAIT);
        assertThat(rec.ids()).isEqualTo(sent);
    }

    @Test
    void retentionKeepsAcknowledgedHistoryForNewEarliestSubscriptions() {
        Broker retaining = Brokers.open("memory://retaining?retention=5");
        try {
            for (int i = 0; i < 8; i++) {
                retaining.publish(Envelope.builder(topic, "m" + i).codec("text").build());
            }
            Recorder<String> rec = new Recorder<>();
            retaining.subscribe(SubscribeOptions.builder(topic, "late").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, rec);
            rec.awaitCount(5, WAIT);
            assertThat(rec.payloads()).containsExactly("m3", "m4", "m5", "m6", "m7");
        } finally {
            retaining.close();
        }
    }

    @Test
    void ensureTopicRejectsAnotherPartitionCount() {
        broker.admin().ensureTopic(topic, 4);
        broker.admin().ensureTopic(topic, 4);
        assertThatThrownBy(() -> broker.admin().ensureTopic(topic, 2)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("already exists with 4 partition(s)");
    }

    /**
     * The receiving thread's acknowledgements are applied in batches (MemoryConsumer.ACK_BATCH): none is lost when a
     * run ends between batches, a slow handler's backlog trails by at most the one message after it, and a closed
     * subscriber's acknowledgements are applied before the next one takes over.
     */
    @Test
    void acknowledgementsGatheredOnTheReceivingThreadAreAllApplied() throws Exception {
        int n = 3 * MemoryConsumer.ACK_BATCH + 5;
        Recorder<String> first = new Recorder<>();
        Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "gather").initialPosition(InitialPosition.EARLIEST)
                .build(), String.class, first);
        for (int i = 0; i < n; i++) {
            broker.publish(topic, "m-" + i);
        }
        first.awaitCount(n, WAIT);
        io.courier.testkit.Await.until(WAIT, () -> broker.admin().backlog(topic, "gather") == 0,
                () -> "backlog " + broker.admin().backlog(topic, "gather"));

        // slow handlers: three messages waiting when the subscriber attaches; s-0 returns at once, s-1 and s-2 are
        // held until the test lets them go
        sub.close(WAIT);
        for (int i = 0; i < 3; i++) {
            broker.publish(topic, "s-" + i);
        }
        CountDownLatch secondRunning = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        CountDownLatch thirdRunning = new CountDownLatch(1);
        CountDownLatch releaseThird = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong secondStarted = new java.util.concurrent.atomic.AtomicLong();
        Subscription slow = broker.subscribe(SubscribeOptions.builder(topic, "gather").build(), String.class, m -> {
            if (m.payload().equals("s-1")) {
                secondStarted.set(System.nanoTime());
                secondRunning.countDown();
                releaseSecond.await();
            } else if (m.payload().equals("s-2")) {
                thirdRunning.countDown();
                releaseThird.await();
            }
        });
        assertThat(secondRunning.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(broker.admin().backlog(topic, "gather")).as("s-0 handled, its acknowledgement gathered (s-1 was queued)")
                .isEqualTo(3L);
        // s-1 runs longer than the gathering bound: its acknowledgement applies s-0's with it
        long bound = MemoryConsumer.MAX_GATHER.toNanos();
        io.courier.testkit.Await.until(WAIT, () -> System.nanoTime() - secondStarted.get() > 2 * bound,
                () -> "s-1 running for " + (System.nanoTime() - secondStarted.get()) + " ns");
        releaseSecond.countDown();
        assertThat(thirdRunning.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(broker.admin().backlog(topic, "gather")).as("s-2 in its handler; s-0 and s-1 acknowledged").isEqualTo(1L);
        releaseThird.countDown();
        slow.close(WAIT);

        Recorder<String> next = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder(topic, "gather").build(), String.class, next);
        broker.publish(topic, "after");
        next.awaitCount(1, WAIT);
        assertThat(next.payloads()).as("everything the closed subscribers handled stayed acknowledged").containsExactly("after");
        io.courier.testkit.Await.until(WAIT, () -> broker.admin().backlog(topic, "gather") == 0,
                () -> "backlog " + broker.admin().backlog(topic, "gather"));
    }

    /**
     * A publish delivers at once only to a consumer waiting on an empty queue; one published while the consumer is
     * busy stays in the topic until its queue runs empty. Neither may be lost or wait for the receive timeout.
     */
    @Test
    void aWaitingReceiverGetsEachPublishAtOnceAndABusyOneTakesWhatGatheredInOrder() throws Exception {
        io.courier.core.spi.RawConsumer consumer = ((MemoryBroker) broker).openConsumer(
                SubscribeOptions.builder(topic, "lazy").type(SubscriptionType.EXCLUSIVE).build());
        try {
            // waiting: each message is published while the receiver waits (or is about to), 30 s receive timeout
            int waited = 300;
            java.util.List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.concurrent.atomic.AtomicLong slowestNanos = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong publishedAt = new java.util.concurrent.atomic.AtomicLong();
            Thread receiver = new Thread(() -> {
                try {
                    for (int i = 0; i < waited; i++) {
                        io.courier.core.spi.RawMessage m = consumer.receive(30, java.util.concurrent.TimeUnit.SECONDS);
                        if (m == null) {
                            return;
                        }
                        slowestNanos.accumulateAndGet(System.nanoTime() - publishedAt.get(), Math::max);
                        got.add(text(m));
                        consumer.ack(m);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            receiver.start();
            for (int i = 0; i < waited; i++) {
                int expected = i + 1;
                publishedAt.set(System.nanoTime());
                broker.publish(topic, "w-" + i);
                io.courier.testkit.Await.until(WAIT, () -> got.size() == expected, () -> got.size() + " received");
            }
            receiver.join(WAIT.toMillis());
            assertThat(got).hasSize(waited).first().isEqualTo("\"w-0\"");
            assertThat(Duration.ofNanos(slowestNanos.get())).as("slowest publish -> receive; the receive timeout is 30 s")
                    .isLessThan(Duration.ofSeconds(1));

            // busy: the receiver holds one message; what is published meanwhile waits in the topic, not in its queue
            broker.publish(topic, "b-0");
            io.courier.core.spi.RawMessage held = consumer.receive(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(text(held)).isEqualTo("\"b-0\"");
            for (int i = 1; i <= 1000; i++) {
                broker.publish(topic, "b-" + i);
            }
            assertThat(broker.admin().subscriptions(topic).get(0).unacknowledged()).hasValue(1);
            assertThat(broker.admin().backlog(topic, "lazy")).isEqualTo(1001L);
            consumer.ack(held);
            java.util.List<String> rest = new java.util.ArrayList<>();
            for (int i = 1; i <= 1000; i++) {
                io.courier.core.spi.RawMessage m = consumer.receive(30, java.util.concurrent.TimeUnit.SECONDS);
                rest.add(text(m));
                consumer.ack(m);
            }
            assertThat(rest).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 1000)
                    .mapToObj(i -> "\"b-" + i + "\"").toList());
            assertThat(consumer.receive(10, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
            assertThat(broker.admin().backlog(topic, "lazy")).isZero();
        } finally {
            consumer.close();
        }
    }

    private static String text(io.courier.core.spi.RawMessage m) {
        return new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
