package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group D. Ordering and flow: STRICT, PER_KEY, UNORDERED, the in-flight bound, batches. Part of {@link
 * BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class OrderingScenarios extends ConformanceContext {

    @Test
    @DisplayName("D20 STRICT ordering: 1,000 messages handled in publish order")
    void d20_strictOrder() {
        String topic = topic("t");
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("d20")).ordering(Ordering.STRICT).concurrency(1).build(), String.class, rec);
        int n = scaled(1000);
        List<MessageId> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(broker.publish(Envelope.builder(topic, "m" + i).codec("text").build()));
        }
        rec.awaitIds(new HashSet<>(sent), WAIT);
        List<MessageId> order = new ArrayList<>();
        rec.messages().forEach(m -> order.add(m.id()));
        assertThat(order).containsExactlyElementsOf(sent);
    }

    @Test
    @DisplayName("D20b publishAsync keeps call order, also for the burst sent while the topic's producer is created")
    void d20b_asyncPublishOrder() throws Exception {
        String topic = topic("t");
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("d20b")).ordering(Ordering.STRICT).concurrency(1).build(), String.class, rec);
        int n = scaled(2000);
        List<String> sent = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<MessageId>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add("m" + i);
            futures.add(broker.publishAsync(Envelope.builder(topic, "m" + i).codec("text").build()));
        }
        java.util.concurrent.CompletableFuture.allOf(futures.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        rec.awaitCount(n, WAIT);
        assertThat(rec.payloads()).containsExactlyElementsOf(sent);
    }

    @Test
    @DisplayName("D21 PER_KEY with concurrency 8: per-key order kept, keys handled in parallel")
    void d21_perKey() {
        String topic = topic("t");
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("d21")).ordering(Ordering.PER_KEY).concurrency(8).build(), String.class, m -> {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            rec.handle(m);
            active.decrementAndGet();
        });
        Set<MessageId> sent = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            for (int k = 0; k < 16; k++) {
                sent.add(broker.publish(Envelope.builder(topic, "k" + k + ":" + i).key("k" + k).codec("text").build()));
            }
        }
        rec.awaitIds(sent, WAIT);
        assertPerKeyOrder(rec.messages());
        assertThat(maxActive.get()).as("handlers running at once").isGreaterThan(1).isLessThanOrEqualTo(8);
    }

    @Test
    @DisplayName("D22 UNORDERED with concurrency 8: all handled, at most and at least once exactly 8 at a time")
    void d22_unordered() {
        String topic = topic("t");
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        CountDownLatch eightReached = new CountDownLatch(1);
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("d22")).ordering(Ordering.UNORDERED).concurrency(8).build(), String.class, m -> {
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            if (now == 8) {
                eightReached.countDown();
            }
            eightReached.await(30, TimeUnit.SECONDS);
            rec.handle(m);
            active.decrementAndGet();
        });
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 200, "m"));
        rec.awaitIds(sent, WAIT);
        assertThat(rec.ids()).isEqualTo(sent);
        assertThat(maxActive).hasValue(8);
    }

    @Test
    @DisplayName("D23 bounded in-flight: with blocking handlers the subscriber hands out exactly maxInFlight, counted by "
            + "the handlers themselves, and its health reports the same")
    void d23_boundedInFlight() {
        String topic = topic("t");
        String sub = subscriptionName("d23");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        Recorder<String> rec = new Recorder<>();
        // as many workers as the bound: only the bound, never the thread count, limits how many are held at once
        Subscription s = subscribe(options(topic, sub).ordering(Ordering.UNORDERED).concurrency(20).maxInFlight(20).build(),
                String.class, m -> {
                    mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                    try {
                        release.await(60, TimeUnit.SECONDS);
                        rec.handle(m);
                    } finally {
                        held.decrementAndGet();
                    }
                });
        Set<MessageId> sent = new HashSet<>(publishTextsOneByOne(topic, 200, "m"));
        Await.until(WAIT, () -> held.get() == 20, () -> "held by handlers: " + held.get());
        assertThat(s.health().inFlight()).as("health agrees with the handlers' own count").isEqualTo(20);
        assertThat(broker.admin().backlog(topic, sub)).isEqualTo(200);
        release.countDown();
        rec.awaitIds(sent, WAIT);
        assertThat(mostHeld.get()).isEqualTo(20);
    }

    @Test
    @DisplayName("D24 batch handler: batches up to the max size or wait; a failing batch is retried per policy")
    void d24_batches() {
        String topic = topic("t");
        List<List<MessageId>> batches = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        Set<MessageId> handled = ConcurrentHashMap.newKeySet();
        Subscription s = broker.subscribeBatch(options(topic, subscriptionName("d24")).batchSize(10)
                .batchWait(Duration.ofMillis(300)).build(), String.class, batch -> {
                    List<MessageId> ids = new ArrayList<>();
                    batch.forEach(m -> ids.add(m.id()));
                    if (calls.incrementAndGet() == 1) {
                        assertThat(batch).allMatch(m -> m.attempt() == 1);
                        batches.add(ids);
                        throw new IllegalStateException("first batch fails once");
                    }
                    batches.add(ids);
                    handled.addAll(ids);
                });
        toClose.add(s);
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 95, "m"));
        Await.until(WAIT, () -> handled.containsAll(sent), () -> "handled " + handled.size());
        assertThat(batches).allMatch(b -> b.size() <= 10);
        assertThat(batches.get(1)).isEqualTo(batches.get(0));
        assertThat(batches.stream().mapToInt(List::size).max().orElse(0)).isEqualTo(10);
        Set<MessageId> all = new HashSet<>();
        batches.subList(1, batches.size()).forEach(all::addAll);
        assertThat(all).isEqualTo(sent);
        assertThat(s.health().retried()).isEqualTo(1);
    }
}
