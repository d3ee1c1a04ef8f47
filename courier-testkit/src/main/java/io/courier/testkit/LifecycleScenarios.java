package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.LifecycleException;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.PublisherClosedException;
import io.courier.SubscribeException;
import io.courier.Subscription;
import io.courier.SubscriptionState;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import io.courier.core.ServerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group E. Lifecycle: draining stops, stops from handlers, restarts, concurrent closes, publisher close
 * and start failures. Part of {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class LifecycleScenarios extends ConformanceContext {

    @Test
    @DisplayName("E25 graceful stop drains: slow messages in flight at stop all finish and are acked within the grace")
    void e25_gracefulDrain() {
        String topic = topic("t");
        String sub = subscriptionName("e25");
        Recorder<String> rec = new Recorder<>();
        CountDownLatch allInFlight = new CountDownLatch(1);
        Subscription s = subscribe(options(topic, sub).ordering(Ordering.UNORDERED).concurrency(8).maxInFlight(200).build(),
                String.class, m -> {
                    allInFlight.await(60, TimeUnit.SECONDS);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    rec.handle(m);
                });
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 200, "m"));
        // the handlers hold until all 200 are in flight, so that the stop really meets 200 unfinished messages
        Await.until(WAIT, () -> s.health().inFlight() == 200, () -> "in flight: " + s.health().inFlight());
        allInFlight.countDown();
        assertThat(s.close(Duration.ofSeconds(30))).isTrue();
        assertThat(rec.ids()).isEqualTo(sent);
        // a close that drained has settled every acknowledgement with the broker, lazy ones included
        assertThat(broker.admin().backlog(topic, sub)).as("backlog right after a drained close").isZero();
        Recorder<String> next = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, next);
        MessageId marker = broker.publish(Envelope.builder(topic, "marker").codec("text").build());
        next.awaitIds(Set.of(marker), WAIT);
        assertThat(next.ids()).containsExactly(marker);
    }

    @Test
    @DisplayName("E26 stop past the grace: unfinished messages are not acked and come back to the next subscriber")
    void e26_stopPastGrace() {
        String topic = topic("t");
        String sub = subscriptionName("e26");
        CountDownLatch never = new CountDownLatch(1);
        Subscription s = subscribe(options(topic, sub).ordering(Ordering.UNORDERED).concurrency(2).maxInFlight(10).build(),
                String.class, m -> never.await());
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 10, "m"));
        Await.until(WAIT, () -> s.health().inFlight() == 10, () -> "in flight: " + s.health().inFlight());
        assertThat(s.close(Duration.ofMillis(200))).isFalse();
        Recorder<String> next = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, next);
        next.awaitIds(sent, WAIT);
        assertThat(next.ids()).isEqualTo(sent);
    }

    @Test
    @DisplayName("E26b concurrency 1: stop waits for the running handler without interrupting it and acks it; past the "
            + "grace the handler is interrupted, its message not acked and delivered again")
    void e26b_stopWithOneHandler() throws Exception {
        String topic = topic("t");
        String sub = subscriptionName("e26b");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Recorder<String> rec = new Recorder<>();
        Subscription s = subscribe(options(topic, sub).build(), String.class, m -> {
            started.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
            rec.handle(m);
        });
        MessageId first = broker.publish(Envelope.builder(topic, "first").codec("text").build());
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        // the handler is running: close must wait for it, so release it from another thread while close waits
        Thread releaser = new Thread(() -> {
            // release only once close() has begun (observable as CLOSING), so the test shows that close waits
            Await.until(WAIT, () -> s.health().state() == io.courier.SubscriptionState.CLOSING, () -> "never closing");
            release.countDown();
        });
        releaser.start();
        assertThat(s.close(Duration.ofSeconds(30))).isTrue();
        releaser.join();
        assertThat(interrupted).isFalse();
        assertThat(rec.ids()).containsExactly(first);
        assertThat(broker.admin().backlog(topic, sub)).as("backlog right after a drained close").isZero();

        CountDownLatch startedAgain = new CountDownLatch(1);
        Subscription stuck = subscribe(options(topic, sub).build(), String.class, m -> {
            startedAgain.countDown();
            new CountDownLatch(1).await();
        });
        MessageId second = broker.publish(Envelope.builder(topic, "second").codec("text").build());
        assertThat(startedAgain.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(stuck.close(Duration.ofMillis(200))).isFalse();
        Recorder<String> next = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, next);
        next.awaitIds(Set.of(second), WAIT);
        assertThat(next.ids()).containsExactly(second);
    }

    @Test
    @DisplayName("E26c close from the subscription's own handler (concurrency 1 and 4): returns at once, the calling "
            + "handler's message is acknowledged when it returns, nothing is delivered again")
    void e26c_closeFromOwnHandler() throws Exception {
        for (int concurrency : new int[] {1, 4}) {
            String topic = topic("c" + concurrency);
            String sub = subscriptionName("e26c");
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicInteger calls = new AtomicInteger();
            Subscription[] self = new Subscription[1];
            CountDownLatch subscribed = new CountDownLatch(1);
            long[] closeNanos = new long[1];
            self[0] = subscribe(options(topic, sub).concurrency(concurrency).build(), String.class, m -> {
                subscribed.await();
                calls.incrementAndGet();
                long start = System.nanoTime();
                self[0].close(Duration.ofSeconds(30));
                closeNanos[0] = System.nanoTime() - start;
                closeReturned.set(true);
            });
            subscribed.countDown();
            broker.publish(Envelope.builder(topic, "fatal").codec("text").build());
            Await.until(WAIT, () -> self[0].health().state() == io.courier.SubscriptionState.CLOSED,
                    () -> "state " + self[0].health().state());
            assertThat(closeReturned).as("close returned inside the handler").isTrue();
            assertThat(Duration.ofNanos(closeNanos[0])).as("close called from its own handler returns at once")
                    .isLessThan(Duration.ofSeconds(1));
            assertThat(calls.get()).isEqualTo(1);
            // acknowledged: nothing left for the subscription, and a new subscriber gets only what is published next
            awaitBacklogZero(topic, sub);
            Recorder<String> next = new Recorder<>();
            subscribe(options(topic, sub).build(), String.class, next);
            MessageId marker = broker.publish(Envelope.builder(topic, "after").codec("text").build());
            next.awaitIds(Set.of(marker), WAIT);
            assertThat(next.ids()).containsExactly(marker);
        }
    }

    @Test
    @DisplayName("E26d MessageServer.stop from one of its handlers: returns at once, the message is acknowledged, the "
            + "server reaches STOPPED")
    void e26d_serverStopFromHandler() throws Exception {
        String topic = topic("t");
        String sub = subscriptionName("e26d");
        MessageServer server = MessageServer.builder(broker).build();
        long[] stopNanos = {-1};
        server.register(options(topic, sub).concurrency(4).build(), String.class, m -> {
            long start = System.nanoTime();
            server.stop(Duration.ofSeconds(30));
            stopNanos[0] = System.nanoTime() - start;
        });
        server.start();
        broker.publish(Envelope.builder(topic, "fatal").codec("text").build());
        Await.until(WAIT, () -> server.state() == ServerState.STOPPED, () -> "server " + server.state());
        assertThat(Duration.ofNanos(stopNanos[0])).as("stop from a handler returns at once")
                .isBetween(Duration.ZERO, Duration.ofSeconds(1));
        awaitBacklogZero(topic, sub);
    }

    @Test
    @DisplayName("E27 close never deletes the durable subscription: messages published meanwhile arrive after restart")
    void e27_closeKeepsSubscription() {
        String topic = topic("t");
        String sub = subscriptionName("e27");
        subscribe(options(topic, sub).build(), String.class, m -> { }).close(Duration.ofSeconds(5));
        // one by one: brokers that batch count a batch as one backlog entry
        Set<MessageId> sent = new HashSet<>(publishTextsOneByOne(topic, 20, "m"));
        assertThat(broker.admin().backlog(topic, sub)).isEqualTo(20);
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, sub).build(), String.class, rec);
        rec.awaitIds(sent, WAIT);
        assertThat(rec.ids()).isEqualTo(sent);
    }

    @Test
    @DisplayName("E28 continue after close: 5,000 messages consumed by 5 subscribers one after another, none lost")
    void e28_continueAfterClose() {
        String topic = topic("t");
        String sub = subscriptionName("e28");
        createSubscription(topic, sub, SubscriptionType.EXCLUSIVE);
        int total = scaled(5000);
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, total, "m"));
        Set<MessageId> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        for (int i = 1; i <= 5; i++) {
            int target = total * i / 5;
            Subscription s = broker.subscribe(options(topic, sub).maxInFlight(50).build(), String.class, m -> {
                deliveries.incrementAndGet();
                seen.add(m.id());
            });
            Await.until(WAIT, () -> seen.size() >= target, () -> "seen " + seen.size() + " of " + target);
            s.close(Duration.ofSeconds(10));
        }
        assertThat(seen).isEqualTo(sent);
        report("E28", deliveries.get() - seen.size());
    }

    @Test
    @DisplayName("E29 concurrent close: 10 subscribers closed at once from 10 threads, no error or hang, topic still usable")
    void e29_concurrentClose() throws Exception {
        String topic = topic("t");
        String sub = subscriptionName("e29");
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            subs.add(broker.subscribe(options(topic, sub).type(competingType()).build(), String.class, m -> { }));
        }
        publishTexts(topic, 100, "m");
        CyclicBarrier barrier = new CyclicBarrier(10);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (Subscription s : subs) {
                results.add(pool.submit(() -> {
                    barrier.await();
                    return s.close(Duration.ofSeconds(10));
                }));
            }
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (Future<Boolean> r : results) {
                    assertThat(r.get()).isTrue();
                }
            });
        } finally {
            pool.shutdownNow();
        }
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, sub).type(competingType()).build(), String.class, rec);
        MessageId marker = broker.publish(Envelope.builder(topic, "after").codec("text").build());
        rec.awaitIds(Set.of(marker), WAIT);
    }

    @Test
    @DisplayName("E30 publisher close flushes: 10,000 async publishes, close, then every message is received")
    void e30_closeFlushes() {
        String topic = topic("t");
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("e30")).maxInFlight(1000).build(), String.class, rec);
        Broker publisher = openBroker();
        toClose.add(publisher);
        int n = scaled(10_000);
        List<CompletableFuture<MessageId>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(publisher.publishAsync(Envelope.builder(topic, "m" + i).codec("text").build()));
        }
        publisher.close();
        Set<MessageId> sent = new HashSet<>();
        for (CompletableFuture<MessageId> f : futures) {
            assertThat(f).isDone();
            sent.add(f.join());
        }
        assertThat(sent).hasSize(n);
        rec.awaitIds(sent, WAIT);
        assertThat(rec.ids()).isEqualTo(sent);
    }

    @Test
    @DisplayName("E31 publish after close fails at once with PublisherClosedException; subscribe after close too")
    void e31_publishAfterClose() {
        String topic = topic("t");
        Broker closed = openBroker();
        closed.close();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThatThrownBy(() -> closed.publish(topic, "late")).isInstanceOf(PublisherClosedException.class)
                    .hasMessageContaining(topic);
            assertThat(closed.publishAsync(topic, "late")).isCompletedExceptionally();
            assertThatThrownBy(() -> closed.publishAsync(topic, "late").join()).hasCauseInstanceOf(PublisherClosedException.class);
            assertThatThrownBy(() -> closed.subscribe(options(topic, "s").build(), String.class, m -> { }))
                    .isInstanceOf(LifecycleException.class);
        });
        assertThat(closed.isClosed()).isTrue();
    }

    @Test
    @DisplayName("E32 start fails fast when a subscription cannot be made, naming the topic and the reason")
    void e32_startFailsFast() {
        String okTopic = topic("ok");
        String busyTopic = topic("busy");
        String busySub = subscriptionName("busy");
        String okSub = subscriptionName("ok");
        subscribe(options(busyTopic, busySub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { });
        MessageServer server = MessageServer.builder(broker).build();
        server.register(options(okTopic, okSub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { });
        server.register(options(busyTopic, busySub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { });
        assertThatThrownBy(server::start).isInstanceOf(SubscribeException.class)
                .hasMessageContaining(busyTopic).hasMessageContaining(busySub);
        assertThat(server.state()).isEqualTo(ServerState.FAILED);
        assertThat(server.health()).isEmpty();
        // the subscription opened before the failure was closed again: another exclusive consumer may take it
        subscribe(options(okTopic, okSub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { });
    }
}
