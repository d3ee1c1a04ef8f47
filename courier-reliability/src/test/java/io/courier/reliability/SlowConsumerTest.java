package io.courier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.embedded.ChildJvm;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 3: a handler that manages 100 messages a second faces a 250,000-message backlog of 1 KiB each. The subscriber runs in its
 * own JVM with a heap (96 MiB) and direct memory (64 MiB) far smaller than the backlog (244 MiB of payload), and its
 * live heap is sampled after full collections: the backlog stays in the broker, the subscriber holds at most
 * maxInFlight messages. Then the subscriber is stopped with a real SIGTERM (its {@code App} drains) and a fast
 * subscriber takes the rest: nothing dropped.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class SlowConsumerTest {
    private static final int BACKLOG = 250_000;
    private static final int PAYLOAD = 1_024;
    private static final int MAX_IN_FLIGHT = 1_000;
    private static final int SLOW_PHASE_MESSAGES = 1_500;
    /** The subscriber's own footprint (client, threads, classes' heap objects), measured at about 15 MiB. */
    private static final long FIXED_MARGIN = 32L << 20;

    @Test
    void aSlowHandlerKeepsTheBacklogInTheBrokerAndTheHeapBounded(EmbeddedPulsar pulsar) throws Exception {
        String topic = "slow-" + System.nanoTime();
        String subscription = "slow";
        AtomicIntegerArray handledBy = new AtomicIntegerArray(BACKLOG);
        AtomicIntegerArray handledTimes = new AtomicIntegerArray(BACKLOG);
        AtomicLong heapHighWater = new AtomicLong();
        List<Long> heapSamples = new ArrayList<>();
        Set<String> ready = ConcurrentHashMap.newKeySet();
        AtomicReference<String> stopping = new AtomicReference<>();
        AtomicReference<String> stoppedLine = new AtomicReference<>();
        try (Broker broker = Brokers.open(pulsar.serviceUrl(),
                BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            broker.admin().ensureTopic(topic, 0);
            long publishBegin = System.nanoTime();
            byte[] payload = new byte[PAYLOAD];
            for (int from = 0; from < BACKLOG; from += 10_000) {
                CompletableFuture<?>[] window = new CompletableFuture<?>[10_000];
                for (int i = 0; i < window.length; i++) {
                    window[i] = broker.publishAsync(Envelope.builder(topic, payload).key(Integer.toString(from + i)).codec("bytes").build());
                }
                CompletableFuture.allOf(window).get(2, TimeUnit.MINUTES);
            }
            long publishMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishBegin);

            long slowBegin;
            int slowHandled;
            int beforeStop;
            long backlogDuringSlowPhase;
            int exit;
            double slowRate;
            long drainOnStopMs;
            boolean stopped;
            try (ChildJvm child = ChildJvm.startWithLines(SubscriberProcess.class,
                    List.of("-Xmx96m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC"),
                    List.of("url=" + pulsar.serviceUrl(), "topic=" + topic, "subscription=" + subscription, "mode=slow",
                            "ratePerSecond=100", "concurrency=1", "maxInFlight=" + MAX_IN_FLIGHT),
                    line -> {
                        if (line.startsWith("HANDLED ")) {
                            int i = Integer.parseInt(line.substring(8));
                            handledBy.set(i, 1);
                            handledTimes.incrementAndGet(i);
                        } else if (line.startsWith("HEAP ")) {
                            long used = Long.parseLong(line.substring(5));
                            synchronized (heapSamples) {
                                heapSamples.add(used);
                            }
                            heapHighWater.accumulateAndGet(used, Math::max);
                        } else if (line.equals("READY")) {
                            ready.add(line);
                        } else if (line.startsWith("STOPPING ")) {
                            stopping.set(line);
                        } else if (line.startsWith("STOPPED ")) {
                            stoppedLine.set(line);
                        }
                    })) {
                Await.until(Duration.ofSeconds(60), () -> !ready.isEmpty() || !child.isAlive(), () -> "child not ready:\n" + child.tail(40));
                slowBegin = System.nanoTime();
                Await.until(Duration.ofSeconds(90), () -> count(handledBy) >= SLOW_PHASE_MESSAGES || !child.isAlive(),
                        () -> "slow subscriber handled " + count(handledBy) + "\n" + child.tail(40));
                assertThat(child.isAlive()).as("the slow subscriber is alive: %s", child.tail(40)).isTrue();
                backlogDuringSlowPhase = broker.admin().backlog(topic, subscription);
                beforeStop = count(handledBy);
                slowRate = beforeStop * 1e9 / (System.nanoTime() - slowBegin);
                long termBegin = System.nanoTime();
                exit = child.terminate(Duration.ofSeconds(60));
                drainOnStopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - termBegin);
                Await.until(Duration.ofSeconds(10), () -> stoppedLine.get() != null, () -> "no STOPPED line:\n" + child.tail(40));
                stopped = stoppedLine.get() != null;
                slowHandled = count(handledBy);
            }

            AtomicIntegerArray drained = new AtomicIntegerArray(BACKLOG);
            long drainBegin = System.nanoTime();
            Subscription fast = broker.subscribe(SubscribeOptions.builder(topic, subscription).type(SubscriptionType.SHARED)
                    .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.UNORDERED).concurrency(8).build(),
                    byte[].class, m -> drained.incrementAndGet(Integer.parseInt(m.key().orElseThrow())));
            Await.until(Duration.ofMinutes(3), () -> broker.admin().backlog(topic, subscription) == 0,
                    () -> "backlog " + broker.admin().backlog(topic, subscription));
            long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainBegin);
            fast.close(Duration.ofSeconds(10));

            int lost = 0;
            int duplicated = 0;
            for (int i = 0; i < BACKLOG; i++) {
                int times = handledTimes.get(i) + drained.get(i);
                if (times == 0) {
                    lost++;
                } else {
                    duplicated += times - 1;
                }
            }
            long bound = (long) MAX_IN_FLIGHT * PAYLOAD * 4 + FIXED_MARGIN;
            // the child's own account of the drain: what it held when SIGTERM began the stop, what it handled after
            int heldAtStop = field(stopping.get(), "inFlight");
            int drainedOnStop = field(stoppedLine.get(), "handled") - field(stopping.get(), "handled");
            Report.line("slow-consumer", "%d x %d B backlog published in %d ms; the subscriber (-Xmx96m, direct 64m, "
                    + "maxInFlight %d) handled %d at %.0f msg/s while the broker held a backlog of %d; live heap high-water "
                    + "%.1f MiB over %d samples (bound %.1f MiB); SIGTERM: its App held %d and handled %d more before it "
                    + "stopped (%d begun after the stop began), in %d ms (exit %d); a fast "
                    + "subscriber took the remaining %d in %d ms; lost %d, duplicated %d",
                    BACKLOG, PAYLOAD, publishMs, MAX_IN_FLIGHT, beforeStop, slowRate, backlogDuringSlowPhase,
                    heapHighWater.get() / 1048576.0, heapSamples.size(), bound / 1048576.0, heldAtStop, drainedOnStop,
                    field(stoppedLine.get(), "startedWhileStopping"), drainOnStopMs, exit,
                    BACKLOG - slowHandled, drainMs, lost, duplicated);
            assertThat(stopped).as("the App's after-stop hook ran on SIGTERM").isTrue();
            // concurrency 1 handles on the receiving thread: at most the one running message is held, and the stop
            // lets it finish (acknowledged: nothing is duplicated below). What the stop promises is measured in the
            // child itself: a handler that began after the server's stop had begun. At most one: the receiving thread
            // may have taken a message in the instant the stop began. (The before-stop hook reads its counts some
            // milliseconds before that instant, so the messages handled between the two readings say nothing here.)
            int startedWhileStopping = field(stoppedLine.get(), "startedWhileStopping");
            assertThat(heldAtStop).isBetween(0, 1);
            assertThat(drainedOnStop).isGreaterThanOrEqualTo(heldAtStop);
            assertThat(startedWhileStopping).isBetween(0, 1);
            assertThat(heapSamples).hasSizeGreaterThanOrEqualTo(10);
            assertThat(heapHighWater.get()).isLessThanOrEqualTo(bound);
            // acknowledged exactly what it had handled: the backlog is the rest, give or take the handful handled
            // between the two readings (100 msg/s) and acknowledgements still in their 100 ms grouping window
            assertThat(backlogDuringSlowPhase).isBetween((long) BACKLOG - beforeStop - 50, (long) BACKLOG - beforeStop + 50);
            assertThat(lost).isZero();
            assertThat(duplicated).isZero();
        }
    }

    /** The number after {@code name=} in a report line. */
    private static int field(String line, String name) {
        assertThat(line).as("report line with " + name).isNotNull();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(name + "=(\\d+)").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static int count(AtomicIntegerArray flags) {
        int n = 0;
        for (int i = 0; i < flags.length(); i++) {
            n += flags.get(i);
        }
        return n;
    }
}
