package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.AfterLastAttempt;
import io.courier.Backoff;
import io.courier.Capability;
import io.courier.CodecException;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.NonRetryableException;
import io.courier.Ordering;
import io.courier.PendingMessage;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionState;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 * Conformance group C. Acknowledgement and failure: retries, dead letters, decode failures, timeouts, backoffs per
 * key, the last-attempt actions, manual acknowledgement. Part of {@link BrokerConformanceSuite}; described in
 * {@code docs/CONFORMANCE.md}.
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
        SubscribeOptions failingOptions = options(topic, sub).type(competingType()).maxInFlight(10).concurrency(2)
                .ordering(Ordering.UNORDERED).retry(RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE)
                        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2)).build()).build();
        for (int i = 0; i < 3; i++) {
            failing.add(subscribe(failingOptions, String.class, m -> {
                failures.incrementAndGet();
                throw new IllegalStateException("unhealthy");
            }));
        }
        Set<MessageId> sent = new HashSet<>(publishTextsOneByOne(topic, 100, "m"));
        Await.until(WAIT, () -> failures.get() >= 300, () -> "failures so far: " + failures.get());
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
        assertThat(Duration.ofNanos(interruptedAt[0] - firstStart[0])).isBetween(Duration.ofMillis(300), Duration.ofMillis(800));
        assertThat(retryStart[0]).as("the retry starts after the late attempt returned").isGreaterThanOrEqualTo(firstReturned[0]);
    }

    @Test
    @DisplayName("C20 a 5 s backoff holds back only its own key (PER_KEY, concurrency 1 and 4): 200 messages of 20 "
            + "other keys are handled while it waits; the key's next message runs after the retry")
    void c20_backoffHoldsOnlyItsKey() {
        Duration backoff = Duration.ofSeconds(5);
        for (int concurrency : new int[] {1, 4}) {
            String topic = topic("c" + concurrency);
            List<String> order = new CopyOnWriteArrayList<>();
            Set<MessageId> othersHandled = ConcurrentHashMap.newKeySet();
            Map<String, Long> handledAt = new ConcurrentHashMap<>();
            long[] failedAt = new long[1];
            subscribe(options(topic, subscriptionName("c20")).concurrency(concurrency)
                    .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(backoff)).build()).build(),
                    String.class, m -> {
                        String seen = m.payload() + "#" + m.attempt();
                        if (seen.equals("slow:0#1")) {
                            failedAt[0] = System.nanoTime();
                            throw new IllegalStateException("first attempt of slow:0 fails");
                        }
                        handledAt.put(seen, System.nanoTime());
                        order.add(seen);
                        if (!m.payload().startsWith("slow")) {
                            othersHandled.add(m.id());
                        }
                    });
            broker.publish(Envelope.builder(topic, "slow:0").key("slow").codec("text").build());
            List<CompletableFuture<MessageId>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(broker.publishAsync(Envelope.builder(topic, "k" + (i % 20) + ":" + i).key("k" + (i % 20))
                        .codec("text").build()));
            }
            broker.publish(Envelope.builder(topic, "slow:1").key("slow").codec("text").build());
            Set<MessageId> others = new HashSet<>();
            futures.forEach(f -> others.add(f.join()));
            Await.until(WAIT, () -> othersHandled.containsAll(others), () -> "other keys handled: " + othersHandled.size());
            long othersDoneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt[0]);
            List<String> atThatPoint = new ArrayList<>(order);
            note("C20 concurrency " + concurrency + ": ms from the failure to the 200 other keys' messages handled",
                    (int) othersDoneMs);
            assertThat(othersDoneMs).as("other keys must not wait for the 5 s backoff").isLessThan(2_000);
            assertThat(atThatPoint).as("the slow key waits for its retry").noneMatch(s -> s.startsWith("slow"));
            Await.until(WAIT, () -> order.contains("slow:1#1"), () -> "handled: " + order.size());
            assertThat(order.indexOf("slow:0#2")).isLessThan(order.indexOf("slow:1#1")).isGreaterThanOrEqualTo(0);
            assertThat(handledAt.get("slow:0#2") - failedAt[0]).isGreaterThanOrEqualTo(backoff.toNanos());
        }
    }

    @Test
    @DisplayName("C21 after the last attempt: LOG_AND_DROP acknowledges without a dead letter; listeners hear of every "
            + "retry, drop, decode failure and dead letter")
    void c21_dropAndListeners() {
        String topic = topic("t");
        String sub = subscriptionName("c21");
        String dlq = topic + "-" + sub + "-DLQ";
        String dlqSub = subscriptionName("dlq");
        Recorder<byte[]> dead = new Recorder<>();
        subscribe(options(dlq, dlqSub).codec("bytes").build(), byte[].class, dead);
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicBoolean markerHandled = new AtomicBoolean();
        subscribe(options(topic, sub).failureListener(recordingListener(events)).retry(RetryPolicy.builder()
                .maxAttempts(2).initialBackoff(Duration.ofMillis(10)).afterLastAttempt(AfterLastAttempt.LOG_AND_DROP)
                .build()).build(), String.class, m -> {
                    if (m.payload().equals(MARKER)) {
                        markerHandled.set(true);
                        return;
                    }
                    throw new IllegalStateException("always fails");
                });
        broker.publish(Envelope.builder(topic, "unwanted").codec("text").build());
        assertAcknowledgedAndNotRedelivered(topic, sub, Envelope.builder(topic, MARKER).codec("text").build(), markerHandled);
        assertThat(events).containsExactly("retry:1", "dropped:2");
        assertThat(dead.count()).isZero();
        assertThat(broker.admin().backlog(dlq, dlqSub)).as("nothing published to the dead-letter topic").isZero();

        String orders = topic("orders");
        List<String> orderEvents = new CopyOnWriteArrayList<>();
        Recorder<TestOrder> good = new Recorder<>();
        subscribe(options(orders, subscriptionName("c21o")).failureListener(recordingListener(orderEvents)).build(),
                TestOrder.class, good);
        broker.publish(Envelope.builder(orders, new byte[] {(byte) 0xDE, (byte) 0xAD}).codec("bytes").build());
        MessageId fine = broker.publish(Envelope.of(orders, new TestOrder("o-1", "ann", 1, Instant.EPOCH)));
        good.awaitIds(Set.of(fine), WAIT);
        Await.until(WAIT, () -> orderEvents.size() == 2, () -> "events: " + orderEvents);
        assertThat(orderEvents).containsExactly("decodeFailed:0", "deadLettered:0");
    }

    @Test
    @DisplayName("C22 after the last attempt: STOP_SUBSCRIPTION closes the subscription, handles nothing more and "
            + "leaves the failed message for the next subscriber")
    void c22_stopSubscription() {
        String topic = topic("t");
        String sub = subscriptionName("c22");
        List<String> events = new CopyOnWriteArrayList<>();
        Recorder<String> first = new Recorder<>();
        Subscription s = subscribe(options(topic, sub).failureListener(recordingListener(events))
                .retry(RetryPolicy.none().toBuilder().afterLastAttempt(AfterLastAttempt.STOP_SUBSCRIPTION).build())
                .build(), String.class, m -> {
                    if (m.payload().equals("poison")) {
                        throw new IllegalStateException("cannot handle poison");
                    }
                    first.handle(m);
                });
        MessageId ok1 = broker.publish(Envelope.builder(topic, "ok1").codec("text").build());
        first.awaitIds(Set.of(ok1), WAIT);
        MessageId poison = broker.publish(Envelope.builder(topic, "poison").codec("text").build());
        MessageId ok2 = broker.publish(Envelope.builder(topic, "ok2").codec("text").build());
        Await.until(WAIT, () -> s.health().state() == SubscriptionState.CLOSED, () -> "state " + s.health().state());
        assertThat(first.ids()).containsExactly(ok1);
        assertThat(events).containsExactly("stopped:1");
        assertThat(s.health().lastError()).contains("cannot handle poison");

        Recorder<String> next = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, next);
        next.awaitIds(Set.of(poison, ok2), WAIT);
        if (capabilities().lazyAcks()) {
            assertThat(Set.of(ok1, poison, ok2)).containsAll(next.ids());
        } else {
            assertThat(next.ids()).containsExactlyInAnyOrder(poison, ok2);
        }
    }

    @Test
    @DisplayName("C23 manual acknowledgement: 100 messages settled later from another thread, in reverse order, are "
            + "each acknowledged once; at most maxInFlight are unsettled at a time; a nack retries per policy; "
            + "messages unsettled at close come back to the next subscriber")
    void c23_manualAck() throws Exception {
        String topic = topic("t");
        String sub = subscriptionName("c23");
        java.util.concurrent.BlockingDeque<PendingMessage<String>> pending = new java.util.concurrent.LinkedBlockingDeque<>();
        AtomicInteger unsettled = new AtomicInteger();
        AtomicInteger mostUnsettled = new AtomicInteger();
        Map<MessageId, List<Integer>> attempts = new ConcurrentHashMap<>();
        Subscription s = broker.subscribeManualAck(options(topic, sub).maxInFlight(10).build(), String.class, m -> {
            attempts.computeIfAbsent(m.id(), k -> new CopyOnWriteArrayList<>()).add(m.attempt());
            if (m.payload().equals("m0") && m.attempt() == 1) {
                m.nack(new IllegalStateException("first attempt of m0 fails"));
                return;
            }
            mostUnsettled.accumulateAndGet(unsettled.incrementAndGet(), Math::max);
            pending.add(m);
        });
        toClose.add(s);
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 100, "m"));
        Await.until(WAIT, () -> unsettled.get() == 10, () -> "unsettled: " + unsettled.get());
        assertThat(s.health().inFlight()).isEqualTo(10);

        Set<MessageId> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger secondAcks = new AtomicInteger();
        Thread settler = new Thread(() -> {
            while (acked.size() < sent.size()) {
                List<PendingMessage<String>> now = new ArrayList<>();
                pending.drainTo(now);
                Collections.reverse(now);
                for (PendingMessage<String> m : now) {
                    unsettled.decrementAndGet();
                    if (m.ack()) {
                        acked.add(m.id());
                    }
                    if (m.ack()) {
                        secondAcks.incrementAndGet();
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }, "c23-settler");
        settler.setDaemon(true);
        settler.start();
        Await.until(WAIT, () -> acked.containsAll(sent), () -> "acknowledged " + acked.size());
        assertThat(acked).isEqualTo(sent);
        assertThat(secondAcks).hasValue(0);
        assertThat(mostUnsettled.get()).as("unsettled messages at a time").isEqualTo(10);
        MessageId m0 = attempts.entrySet().stream().filter(e -> e.getValue().contains(2)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        assertThat(attempts.get(m0)).containsExactly(1, 2);
        awaitBacklogZero(topic, sub);

        Set<MessageId> late = new HashSet<>(publishTexts(topic, 5, "late"));
        settler.join(10_000);
        Await.until(WAIT, () -> pending.size() == 5, () -> "pending: " + pending.size());
        assertThat(s.close(Duration.ofMillis(200))).as("drained with 5 unsettled").isFalse();
        assertThat(pending.peek().ack()).as("an ack after the grace is refused").isFalse();
        Recorder<String> next = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, next);
        next.awaitIds(late, WAIT);
        if (capabilities().lazyAcks()) {
            assertThat(union(sent, late)).containsAll(next.ids());
        } else {
            assertThat(next.ids()).isEqualTo(late);
        }
    }

    @Test
    @DisplayName("C24 a long wait goes through the broker's retry topic: the message is acknowledged at once and its "
            + "key is not held; it survives a restart of the subscriber and comes back after the wait with its "
            + "original topic, id and next attempt")
    void c24_retryTopic() {
        requireCapability(Capability.DELAYED_DELIVERY);
        requireType(SubscriptionType.SHARED);
        String topic = topic("t");
        String sub = subscriptionName("c24");
        Duration wait = Duration.ofSeconds(3);
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(wait))
                .retryTopicFrom(Duration.ofSeconds(1)).build();
        List<String> seen = new CopyOnWriteArrayList<>();
        long[] failedAt = new long[1];
        Subscription first = subscribe(options(topic, sub).retry(policy).build(), String.class, m -> {
            if (m.payload().equals("slow") && m.attempt() == 1) {
                failedAt[0] = System.nanoTime();
                throw new IllegalStateException("the store is down for a while");
            }
            seen.add(m.payload() + "#" + m.attempt());
        });
        MessageId slow = broker.publish(Envelope.builder(topic, "slow").key("k").codec("text").build());
        broker.publish(Envelope.builder(topic, "next").key("k").codec("text").build());
        Await.until(WAIT, () -> seen.contains("next#1"), () -> "handled: " + seen);
        long nextAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt[0]);
        note("C24 ms from the failure to the same key's next message handled", (int) nextAfterMs);
        assertThat(nextAfterMs).as("the key is not held by a wait in the retry topic").isLessThan(wait.toMillis());
        awaitBacklogZero(topic, sub);
        Await.until(WAIT, () -> first.health().inFlight() == 0, () -> "in flight " + first.health().inFlight());
        assertThat(first.close(Duration.ofSeconds(5))).as("nothing to drain: the retry waits in the broker").isTrue();

        Recorder<String> again = new Recorder<>();
        subscribe(options(topic, sub).retry(policy).build(), String.class, again);
        Await.until(WAIT, () -> again.ids().contains(slow), () -> "came back: " + again.ids());
        long backAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt[0]);
        note("C24 ms from the failure to the retry (wait 3000 ms, subscriber restarted meanwhile)", (int) backAfterMs);
        Message<String> back = again.messages().stream().filter(m -> m.id().equals(slow)).findFirst().orElseThrow();
        assertThat(backAfterMs).isGreaterThanOrEqualTo(wait.toMillis());
        assertThat(back.payload()).isEqualTo("slow");
        assertThat(back.attempt()).isEqualTo(2);
        assertThat(back.topic()).endsWith(topic);
        assertThat(back.key()).contains("k");
        assertThat(back.headers().names()).noneMatch(n -> n.startsWith("courier-retry-"));
        assertThat(seen).containsExactly("next#1");
    }
}
