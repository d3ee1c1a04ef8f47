package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.BacklogQuota;
import io.courier.BacklogQuotaExceededException;
import io.courier.Capability;
import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group F. Delay and backlog: delayed delivery and the backlog quota. Part of {@link
 * BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class FlowControlScenarios extends ConformanceContext {

    @Test
    @DisplayName("F33 deliverAfter(2 s): not delivered before 2 s; an immediate message published later arrives first")
    void f33_delayedDelivery() {
        requireCapability(Capability.DELAYED_DELIVERY);
        requireType(SubscriptionType.SHARED);
        String topic = topic("t");
        Map<MessageId, Long> arrivals = new ConcurrentHashMap<>();
        List<MessageId> order = new CopyOnWriteArrayList<>();
        subscribe(options(topic, subscriptionName("f33")).type(SubscriptionType.SHARED).build(), String.class, m -> {
            arrivals.put(m.id(), System.nanoTime());
            order.add(m.id());
        });
        long before = System.nanoTime();
        MessageId delayed = broker.publish(Envelope.builder(topic, "later").codec("text").deliverAfter(Duration.ofSeconds(2)).build());
        MessageId immediate = broker.publish(Envelope.builder(topic, "now").codec("text").build());
        Await.until(WAIT, () -> arrivals.containsKey(delayed) && arrivals.containsKey(immediate), () -> "arrived: " + arrivals.keySet());
        assertThat(order).containsExactly(immediate, delayed);
        assertThat(arrivals.get(delayed) - before).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
    }

    @Test
    @DisplayName("F34 backlog quota: past the limit every publish, sync and async, is refused within 1 s with a distinct "
            + "error; after draining publishing works again within 5 s")
    void f34_backlogQuota() {
        requireCapability(Capability.BACKLOG_QUOTA);
        String topic = topic("t");
        String sub = subscriptionName("f34");
        createSubscription(topic, sub, SubscriptionType.EXCLUSIVE);
        int size = 100;
        int n = 10;
        broker.admin().setBacklogQuota(topic, BacklogQuota.ofBytes((long) size * n));
        assertThat(broker.admin().backlogQuota(topic)).contains(BacklogQuota.ofBytes((long) size * n));
        Set<MessageId> accepted = new LinkedHashSet<>();
        if (capabilities().exactBacklogQuota()) {
            for (int i = 0; i < n; i++) {
                accepted.add(broker.publish(Envelope.builder(topic, new byte[size]).codec("bytes").build()));
            }
            assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, new byte[size]).codec("bytes").build()))
                    .isInstanceOf(BacklogQuotaExceededException.class).hasMessageContaining(topic);
        } else {
            // the broker measures the backlog periodically: publish (paced, one at a time) until it refuses
            long deadline = System.nanoTime() + WAIT.toNanos();
            BacklogQuotaExceededException refused = null;
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    accepted.add(broker.publish(Envelope.builder(topic, new byte[size]).codec("bytes").build()));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                } catch (BacklogQuotaExceededException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("publish refused with BacklogQuotaExceededException").isNotNull();
            assertThat(refused.getMessage()).contains(topic);
            // storage bytes add per-message metadata (well under the 100 B payload): the broker never refuses before
            // its backlog reached the limit, so at least half the limit's payloads were accepted first
            assertThat(accepted.size()).isGreaterThanOrEqualTo(n / 2);
            note("F34 publishes accepted before the first refusal (limit " + n + " x " + size + " B)", accepted.size());
        }
        // past the limit every request is refused fast (the flash-sale promise): 20 sync, then a burst of 20 async
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, new byte[size]).codec("bytes").build()))
                    .isInstanceOf(BacklogQuotaExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("sync refusal " + i).isLessThan(Duration.ofSeconds(1));
        }
        long burst = System.nanoTime();
        List<CompletableFuture<MessageId>> async = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            async.add(broker.publishAsync(Envelope.builder(topic, new byte[size]).codec("bytes").build()));
        }
        Await.until(Duration.ofSeconds(1), () -> async.stream().allMatch(CompletableFuture::isDone),
                () -> async.stream().filter(f -> !f.isDone()).count() + " of 20 async publishes unanswered after 1 s");
        note("F34 ms to refuse a burst of 20 async publishes", (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burst));
        for (CompletableFuture<MessageId> f : async) {
            assertThatThrownBy(f::join).hasCauseInstanceOf(BacklogQuotaExceededException.class);
        }
        Recorder<byte[]> rec = new Recorder<>();
        Subscription s = subscribe(options(topic, sub).build(), byte[].class, rec);
        rec.awaitIds(accepted, WAIT);
        awaitBacklogZero(topic, sub);
        long drained = System.nanoTime();
        MessageId again = publishWhenAccepted(Envelope.builder(topic, new byte[size]).codec("bytes").build());
        Duration resumed = Duration.ofNanos(System.nanoTime() - drained);
        note("F34 ms from the backlog drained to a publish accepted again", (int) resumed.toMillis());
        assertThat(resumed).as("publishing works again soon after the backlog drained").isLessThan(Duration.ofSeconds(5));
        rec.awaitIds(Set.of(again), WAIT);
        if (capabilities().exactBacklogQuota()) {
            assertThat(rec.ids()).isEqualTo(union(accepted, Set.of(again)));
        } else {
            // the broker cuts the producer off for the quota and fails the publish it had not confirmed yet, though
            // it may have stored it: with one publish in flight at a time, at most one such message may arrive
            // besides the accepted ones; everything refused after that was never sent
            assertThat(rec.ids()).containsAll(union(accepted, Set.of(again)));
            int extra = rec.ids().size() - accepted.size() - 1;
            assertThat(extra).isLessThanOrEqualTo(1);
            note("F34 refused publishes that were stored anyway", extra);
        }
        s.close(Duration.ofSeconds(5));
    }
}
