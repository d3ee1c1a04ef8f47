package io.courier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.core.App;
import io.courier.core.MessageServer;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 5: an {@link App} hosting a {@link MessageServer} is stopped with 1,000 messages in flight. Within the
 * grace it drains them all (each handled once, backlog 0); past the grace it stops anyway and loses nothing: what
 * was not finished is redelivered to the next subscriber.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class GracefulShutdownTest {
    private static final int MESSAGES = 1_000;

    @Test
    void stopDrainsAThousandInFlightMessagesWithinTheGrace(EmbeddedPulsar pulsar) throws Exception {
        String topic = "drain-" + System.nanoTime();
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        CountDownLatch gate = new CountDownLatch(1);
        try (Broker broker = open(pulsar)) {
            MessageServer server = MessageServer.builder(broker).name("drain").build();
            server.register(options(topic, 100), byte[].class, m -> {
                gate.await(); // hold everything until all 1,000 are in flight
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the work a handler does
                handled.computeIfAbsent(m.key().orElseThrow(), k -> new AtomicInteger()).incrementAndGet();
            });
            App app = App.builder().name("drain").server(server).stopTimeout(Duration.ofSeconds(30)).build();
            app.start();
            Set<String> all = Keyed.publish(broker, topic, MESSAGES, 64);
            Await.until(Duration.ofSeconds(30), () -> server.health().get(0).inFlight() == MESSAGES,
                    () -> "in flight " + server.health());
            int inFlightAtStop = server.health().get(0).inFlight();
            long begin = System.nanoTime();
            gate.countDown();
            app.stop();
            long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

            long backlog = broker.admin().backlog(topic, "workers");
            int duplicates = handled.values().stream().mapToInt(n -> n.get() - 1).sum();
            long lost = all.stream().filter(k -> !handled.containsKey(k)).count();
            assertThat(inFlightAtStop).isEqualTo(MESSAGES);
            assertThat(handled.keySet()).isEqualTo(all);
            assertThat(duplicates).isZero();
            assertThat(backlog).isZero();
            assertThat(stopMs).isLessThan(30_000);
            Report.line("shutdown-drain", "%d messages, %d in flight at stop; App.stop() drained in %d ms (grace 30 s); "
                    + "handled %d, duplicated %d, backlog after stop %d; lost %d", MESSAGES, inFlightAtStop, stopMs,
                    handled.size(), duplicates, backlog, lost);
        }
    }

    @Test
    void aStopPastTheGraceLosesNothing(EmbeddedPulsar pulsar) throws Exception {
        String topic = "past-grace-" + System.nanoTime();
        int finishFirst = 200;
        int concurrency = 10;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        try (Broker broker = open(pulsar)) {
            MessageServer server = MessageServer.builder(broker).name("stuck").build();
            server.register(options(topic, concurrency), byte[].class, m -> {
                if (started.incrementAndGet() > finishFirst) {
                    never.await(); // a handler stuck on a dependency; the hard stop interrupts it
                }
                handled.add(m.key().orElseThrow());
            });
            Duration grace = Duration.ofSeconds(1);
            App app = App.builder().name("stuck").server(server).stopTimeout(grace).build();
            app.start();
            Set<String> all = Keyed.publish(broker, topic, MESSAGES, 64);
            Await.until(Duration.ofSeconds(30), () -> handled.size() == finishFirst
                    && server.health().get(0).inFlight() == MESSAGES - finishFirst,
                    () -> "handled " + handled.size() + ", " + server.health());
            // the acks of the finished ones reach the broker (grouped every 100 ms) before the stop
            Await.until(Duration.ofSeconds(10), () -> broker.admin().backlog(topic, "workers") == MESSAGES - finishFirst,
                    () -> "backlog " + broker.admin().backlog(topic, "workers"));
            long begin = System.nanoTime();
            app.stop();
            long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            Set<String> finishedBeforeStop = Set.copyOf(handled);

            Map<String, AtomicInteger> redelivered = new ConcurrentHashMap<>();
            long restartBegin = System.nanoTime();
            Subscription next = broker.subscribe(options(topic, 8), byte[].class,
                    m -> redelivered.computeIfAbsent(m.key().orElseThrow(), k -> new AtomicInteger()).incrementAndGet());
            Set<String> unfinished = new HashSet<>(all);
            unfinished.removeAll(finishedBeforeStop);
            Await.until(Duration.ofSeconds(30), () -> redelivered.keySet().containsAll(unfinished),
                    () -> "redelivered " + redelivered.size() + " of " + unfinished.size());
            long recoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartBegin);
            next.close(Duration.ofSeconds(10));

            long lost = all.stream().filter(k -> !finishedBeforeStop.contains(k) && !redelivered.containsKey(k)).count();
            // the grace, then closing the consumers without waiting for the stuck handlers (about 10 ms)
            assertThat(stopMs).isBetween(grace.toMillis(), grace.toMillis() + 1_000);
            assertThat(finishedBeforeStop).hasSize(finishFirst);
            assertThat(redelivered.keySet()).isEqualTo(unfinished);
            assertThat(redelivered.values()).allMatch(n -> n.get() == 1);
            Report.line("shutdown-past-grace", "%d messages, %d finished, %d stuck or queued; App.stop() returned after "
                    + "%d ms (grace 1 s); the next subscriber got all %d unfinished in %d ms, %d of the finished again; lost %d",
                    MESSAGES, finishedBeforeStop.size(), MESSAGES - finishedBeforeStop.size(), stopMs, unfinished.size(),
                    recoverMs, redelivered.keySet().stream().filter(finishedBeforeStop::contains).count(), lost);
        }
    }

    private static Broker open(EmbeddedPulsar pulsar) {
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    private static SubscribeOptions options(String topic, int concurrency) {
        return SubscribeOptions.builder(topic, "workers").type(SubscriptionType.SHARED)
                .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.UNORDERED).concurrency(concurrency)
                .maxInFlight(MESSAGES).build();
    }
}
