package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.AfterLastAttempt;
import io.courier.Backoff;
import io.courier.Capability;
import io.courier.Envelope;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.PendingMessage;
import io.courier.RetryPolicy;
import io.courier.Subscription;
import io.courier.SubscriptionState;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group C (policy): the failure policy's choices and what goes with them: a backoff that holds back only its
 * key, the last-attempt actions and their listeners, manual acknowledgement, and the retry topic for long waits. Part of
 * {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class FailurePolicyScenarios extends ConformanceContext {

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
            // measured 15-33 ms on memory and Pulsar (publishing the 200 included); a key waiting for the backoff
            // would hold them 5 s
            assertThat(othersDoneMs).as("other keys must not wait for the 5 s backoff").isLessThan(500);
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
        // ok1 was acknowledged before the stop: the stop settles that acknowledgement with the broker
        assertThat(next.ids()).containsExactlyInAnyOrder(poison, ok2);
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
        assertThat(next.ids()).isEqualTo(late);
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
