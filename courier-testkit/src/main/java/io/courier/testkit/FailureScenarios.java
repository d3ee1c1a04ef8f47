package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Capability;
import io.courier.CodecException;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.NonRetryableException;
import io.courier.Ordering;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group C. Acknowledgement and failure: redelivery, retries, dead letters and their content, decode
 * failures, handler timeouts ({@link FailurePolicyScenarios} has the policy's choices). Part of
 * {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class FailureScenarios extends ConformanceContext {

    @Test
    @DisplayName("C13 a handler exception redelivers the message with its attempt number; none lost")
    void c13_exceptionRedelivers() {
        String topic = topic("t");
        Map<MessageId, List<Integer>> attempts = new ConcurrentHashMap<>();
        Recorder<String> done = new Recorder<>();
        subscribe(options(topic, subscriptionName("c13")).build(), String.class, m -> {
            attempts.computeIfAbsent(m.id(), k -> new CopyOnWriteArrayList<>()).add(m.attempt());
            if (m.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            done.handle(m);
        });
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 50, "m"));
        done.awaitIds(sent, WAIT);
        assertThat(done.ids()).isEqualTo(sent);
        for (MessageId id : sent) {
            assertThat(attempts.get(id)).startsWith(1, 2);
        }
        assertThat(done.messages()).allMatch(m -> m.attempt() == 2);
    }

    @Test
    @DisplayName("C14 retry policy: N attempts with growing backoff, then the dead-letter topic; the original is "
            + "acknowledged and never delivered again")
    void c14_retryThenDeadLetter() {
        String topic = topic("t");
        String sub = subscriptionName("c14");
        String dlq = topic + "-" + sub + "-DLQ";
        Recorder<String> dead = new Recorder<>();
        subscribe(options(dlq, subscriptionName("dlq")).build(), String.class, dead);
        List<Long> times = new CopyOnWriteArrayList<>();
        AtomicBoolean markerHandled = new AtomicBoolean();
        subscribe(options(topic, sub).retry(RetryPolicy.builder().maxAttempts(4).initialBackoff(Duration.ofMillis(60))
                .multiplier(2.0).maxBackoff(Duration.ofSeconds(5)).jitter(0).build()).build(), String.class, m -> {
                    if (m.payload().equals(MARKER)) {
                        markerHandled.set(true);
                        return;
                    }
                    times.add(System.nanoTime());
                    throw new IllegalStateException("always fails");
                });
        MessageId id = broker.publish(Envelope.builder(topic, "doomed").codec("text").build());
        dead.awaitCount(1, WAIT);
        assertThat(times).hasSize(4);
        long g1 = times.get(1) - times.get(0);
        long g2 = times.get(2) - times.get(1);
        long g3 = times.get(3) - times.get(2);
        assertThat(g1).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(60));
        assertThat(g2).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(120)).isGreaterThan(g1);
        assertThat(g3).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(240)).isGreaterThan(g2);
        Message<String> d = dead.messages().get(0);
        assertThat(d.payload()).isEqualTo("doomed");
        assertThat(d.headers().get(DeadLetter.MESSAGE_ID)).isEqualTo(id.value());
        assertThat(d.headers().get(DeadLetter.ATTEMPTS)).isEqualTo("4");
        assertThat(d.headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_HANDLER);
        assertAcknowledgedAndNotRedelivered(topic, sub, Envelope.builder(topic, MARKER).codec("text").build(), markerHandled);
        assertThat(times).as("attempts of the dead-lettered message, after a later message was handled").hasSize(4);
        assertThat(dead.ids()).hasSize(1);
    }

    @Test
    @DisplayName("C15 the dead letter keeps payload, key and headers, and adds topic, subscription, id, attempts and exception")
    void c15_deadLetterContent() {
        String topic = topic("t");
        String sub = subscriptionName("c15");
        String dlq = topic("dlq");
        Recorder<TestOrder> dead = new Recorder<>();
        subscribe(options(dlq, subscriptionName("dlq")).build(), TestOrder.class, dead);
        AtomicBoolean markerHandled = new AtomicBoolean();
        AtomicInteger attempts = new AtomicInteger();
        subscribe(options(topic, sub).deadLetterTopic(dlq).retry(RetryPolicy.builder().maxAttempts(2)
                .initialBackoff(Duration.ofMillis(5)).build()).build(), TestOrder.class, m -> {
                    if (m.payload().id().equals(MARKER)) {
                        markerHandled.set(true);
                        return;
                    }
                    attempts.incrementAndGet();
                    throw new IllegalArgumentException("quantity " + m.payload().quantity() + " is not allowed");
                });
        TestOrder order = new TestOrder("o-9", "bob", 99, Instant.parse("2026-01-02T03:04:05Z"));
        MessageId id = broker.publish(Envelope.builder(topic, order).key("bob").header("origin", "c15").build());
        dead.awaitCount(1, WAIT);
        Message<TestOrder> d = dead.messages().get(0);
        assertThat(d.payload()).isEqualTo(order);
        assertThat(d.key()).contains("bob");
        assertThat(d.headers().get("origin")).isEqualTo("c15");
        assertThat(d.headers().get(DeadLetter.ORIGINAL_TOPIC)).endsWith(topic);
        assertThat(d.headers().get(DeadLetter.SUBSCRIPTION)).isEqualTo(sub);
        assertThat(d.headers().get(DeadLetter.MESSAGE_ID)).isEqualTo(id.value());
        assertThat(d.headers().get(DeadLetter.ATTEMPTS)).isEqualTo("2");
        assertThat(d.headers().get(DeadLetter.EXCEPTION_CLASS)).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(d.headers().get(DeadLetter.EXCEPTION_MESSAGE)).isEqualTo("quantity 99 is not allowed");
        assertThat(d.headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_HANDLER);
        assertThat(Instant.parse(d.headers().get(DeadLetter.TIME))).isBeforeOrEqualTo(Instant.now());
        assertAcknowledgedAndNotRedelivered(topic, sub, Envelope.of(topic, new TestOrder(MARKER, "m", 1, Instant.EPOCH)),
                markerHandled);
        assertThat(attempts).hasValue(2);
        assertThat(dead.ids()).hasSize(1);
    }

    @Test
    @DisplayName("C16 a NonRetryableException goes straight to the dead-letter topic after one attempt, acknowledged, "
            + "never delivered again")
    void c16_nonRetryable() {
        String topic = topic("t");
        String sub = subscriptionName("c16");
        Recorder<String> dead = new Recorder<>();
        subscribe(options(topic + "-" + sub + "-DLQ", subscriptionName("dlq")).build(), String.class, dead);
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean markerHandled = new AtomicBoolean();
        subscribe(options(topic, sub).retry(RetryPolicy.builder().maxAttempts(5).build()).build(), String.class, m -> {
            if (m.payload().equals(MARKER)) {
                markerHandled.set(true);
                return;
            }
            calls.incrementAndGet();
            throw new NonRetryableException("invalid report");
        });
        broker.publish(Envelope.builder(topic, "bad").codec("text").build());
        dead.awaitCount(1, WAIT);
        assertAcknowledgedAndNotRedelivered(topic, sub, Envelope.builder(topic, MARKER).codec("text").build(), markerHandled);
        assertThat(calls).hasValue(1);
        assertThat(dead.ids()).hasSize(1);
        assertThat(dead.messages().get(0).headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_NON_RETRYABLE);
        assertThat(dead.messages().get(0).headers().get(DeadLetter.ATTEMPTS)).isEqualTo("1");
    }

    @Test
    @DisplayName("C17 an undecodable payload (garbage, a JSON string, a JSON object of another type) goes to the "
            + "dead-letter topic with reason decode, never retried; the rest flows")
    void c17_undecodable() {
        String topic = topic("t");
        String sub = subscriptionName("c17");
        Recorder<byte[]> dead = new Recorder<>();
        // dead letters keep their original content-type; read them as raw bytes whatever it says
        subscribe(options(topic + "-" + sub + "-DLQ", subscriptionName("dlq")).codec("bytes").build(), byte[].class, dead);
        Recorder<TestOrder> good = new Recorder<>();
        subscribe(options(topic, sub).build(), TestOrder.class, good);
        AtomicBoolean markerHandled = new AtomicBoolean();
        byte[] garbage = {(byte) 0xDE, (byte) 0xAD, '{', 'x'};
        MessageId bad = broker.publish(Envelope.builder(topic, garbage).codec("bytes").build());
        MessageId badJson = broker.publish(Envelope.builder(topic, "not an order").codec("json").build());
        // an invoice sharing no property with TestOrder: not an empty order
        MessageId otherType = broker.publish(Envelope.builder(topic, Map.of("invoiceNumber", "i-1", "cents", 100)).build());
        TestOrder order = new TestOrder("o-1", "carol", 1, Instant.parse("2026-03-01T00:00:00Z"));
        MessageId ok = broker.publish(Envelope.of(topic, order));
        good.awaitIds(Set.of(ok), WAIT);
        dead.awaitCount(3, WAIT);
        assertThat(good.ids()).containsExactly(ok);
        Map<String, Message<byte[]>> byId = new HashMap<>();
        dead.messages().forEach(m -> byId.put(m.headers().get(DeadLetter.MESSAGE_ID), m));
        assertThat(byId.keySet()).containsExactlyInAnyOrder(bad.value(), badJson.value(), otherType.value());
        assertThat(byId.get(bad.value()).payload()).isEqualTo(garbage);
        for (Message<byte[]> m : byId.values()) {
            assertThat(m.headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_DECODE);
            assertThat(m.headers().get(DeadLetter.ATTEMPTS)).isEqualTo("0");
            assertThat(m.headers().get(DeadLetter.EXCEPTION_CLASS)).isEqualTo(CodecException.class.getName());
        }
        TestOrder marker = new TestOrder(MARKER, "m", 1, Instant.EPOCH);
        MessageId markerId = broker.publish(Envelope.of(topic, marker));
        good.awaitIds(Set.of(ok, markerId), WAIT);
        markerHandled.set(true);
        assertAcknowledgedAndNotRedelivered(topic, sub, null, markerHandled);
        assertThat(good.ids()).containsExactlyInAnyOrder(ok, markerId);
        assertThat(dead.ids()).hasSize(3);
    }

    @Test
    @DisplayName("C18 three subscribers failing everything many times, then a healthy subscriber gets every message")
    void c18_failingSubscribersThenHealthy() {
        String topic = topic("t");
        String sub = subscriptionName("c18");
        AtomicInteger failures = new AtomicInteger();
        List<Subscription> failing = new ArrayList<>();
        if (competingType() != SubscriptionType.SHARED && capabilities().supports(Capability.PARTITIONS)) {
            broker.admin().ensureTopic(topic, 3);   // one partition for each failing subscriber to hold
        }
        SubscribeOptions failingOptions = options(topic, sub).type(competingType()).maxInFlight(10).concurrency(2)
                .ordering(Ordering.UNORDERED).retry(RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE)
                        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2)).build()).build();
        List<AtomicInteger> each = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AtomicInteger mine = new AtomicInteger();
            each.add(mine);
            failing.add(subscribe(failingOptions, String.class, m -> {
                mine.incrementAndGet();
                failures.incrementAndGet();
                throw new IllegalStateException("unhealthy");
            }));
        }
        Set<MessageId> sent = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            // keyed, so that backends that share a subscription by key or partition give each subscriber some
            sent.add(broker.publish(Envelope.builder(topic, "m" + i).key("k" + i).codec("text").build()));
        }
        // every one of the three is failing (brokers that admit a new member some time after it subscribed included)
        Await.until(WAIT, () -> failures.get() >= 300 && each.stream().allMatch(f -> f.get() >= 20),
                () -> "failures so far: " + each);
        for (Subscription s : failing) {
            assertThat(s.close(Duration.ZERO)).as("a failing subscriber holding messages cannot drain: " + s.health()).isFalse();
        }
        Recorder<String> healthy = new Recorder<>();
        subscribe(options(topic, sub).type(competingType()).build(), String.class, healthy);
        healthy.awaitIds(sent, WAIT);
        assertThat(healthy.ids()).isEqualTo(sent);
        // acknowledgements may travel in groups: the backlog reaches zero shortly after the last handler returned
        awaitBacklogZero(topic, sub);
        report("C18", healthy.duplicates());
    }

    @Test
    @DisplayName("C19 a handler stuck past its timeout counts as failed and the message is retried")
    void c19_handlerTimeout() {
        String topic = topic("t");
        CountDownLatch never = new CountDownLatch(1);
        Recorder<String> done = new Recorder<>();
        Subscription s = subscribe(options(topic, subscriptionName("c19")).handlerTimeout(Duration.ofMillis(200)).build(),
                String.class, m -> {
                    if (m.attempt() == 1) {
                        never.await();
                    }
                    done.handle(m);
                });
        MessageId id = broker.publish(Envelope.builder(topic, "slow").codec("text").build());
        done.awaitIds(Set.of(id), WAIT);
        assertThat(done.messages()).extracting(Message::attempt).containsExactly(2);
        assertThat(s.health().failedAttempts()).isEqualTo(1);
        assertThat(s.health().lastError()).contains("HandlerTimeoutException");
    }

    @Test
    @DisplayName("C19b a handler that ignores the timeout's interrupt: interrupted at the timeout, its result ignored, "
            + "and the retry starts only after it returns (never two attempts of one message at once)")
    void c19b_timeoutRetriesAfterTheHandlerReturns() {
        String topic = topic("t");
        long[] firstStart = new long[1];
        long[] interruptedAt = {-1};
        long[] firstReturned = new long[1];
        long[] retryStart = new long[1];
        Recorder<String> done = new Recorder<>();
        subscribe(options(topic, subscriptionName("c19b")).handlerTimeout(Duration.ofMillis(300)).build(), String.class, m -> {
            if (m.attempt() == 1) {
                firstStart[0] = System.nanoTime();
                long end = firstStart[0] + TimeUnit.MILLISECONDS.toNanos(900);
                // a handler that does not stop when interrupted (e.g. a blocking call that ignores interrupts)
                for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
                    LockSupport.parkNanos(end - now);
                    if (Thread.interrupted() && interruptedAt[0] < 0) {
                        interruptedAt[0] = System.nanoTime();
                    }
                }
                firstReturned[0] = System.nanoTime();
                return;   // returned normally, but after its timeout: counted as failed, not acknowledged
            }
            retryStart[0] = System.nanoTime();
            done.handle(m);
        });
        MessageId id = broker.publish(Envelope.builder(topic, "slow").codec("text").build());
        done.awaitIds(Set.of(id), WAIT);
        assertThat(done.messages()).extracting(Message::attempt).containsExactly(2);
        assertThat(interruptedAt[0]).as("interrupted at the timeout").isPositive();
        // the timeout runs from when the attempt was handed to its thread, which on a loaded machine is some
        // milliseconds before the handler's first line took firstStart (seen: interrupted 295.7 ms after it)
        assertThat(Duration.ofNanos(interruptedAt[0] - firstStart[0])).isBetween(Duration.ofMillis(250), Duration.ofMillis(800));
        assertThat(retryStart[0]).as("the retry starts after the late attempt returned").isGreaterThanOrEqualTo(firstReturned[0]);
    }
}
