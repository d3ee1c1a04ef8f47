package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.Handler;
import io.courier.Message;
import io.courier.PublishException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The load of a fault test: {@code threads} publishers each sending {@code perThread} text messages
 * ({@code "<thread>-<i>"}, keyed by themselves when asked), each publish retried after a {@link PublishException} as a
 * service would, and a handler that counts what arrives. The test subscribes {@link #handler()}, starts the
 * publishers, injects its fault, then checks with {@link #assertNothingLost} and bounds the duplicates with
 * {@link #assertDuplicatesAtMost} or {@link #assertNoDuplicates}.
 * Thread-safe.
 */
public final class FaultLoad {
    private final int threads;
    private final int perThread;
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final AtomicInteger publishRetries = new AtomicInteger();
    private final List<Future<?>> publishing = new ArrayList<>();
    private ExecutorService publishers;

    public FaultLoad(int threads, int perThread) {
        this.threads = threads;
        this.perThread = perThread;
    }

    /** Counts each message's payload; subscribe it with payload type {@code String}. */
    public Handler<String> handler() {
        return (Message<String> m) -> received.computeIfAbsent(m.payload(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Starts the publishers on {@code topic}, each pausing {@code pause} between messages. */
    public synchronized FaultLoad publish(Broker broker, String topic, boolean keyed, Duration pause) {
        publishers = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            publishing.add(publishers.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    String payload = thread + "-" + i;
                    Envelope.Builder e = Envelope.builder(topic, payload).codec("text");
                    Envelope envelope = keyed ? e.key(payload).build() : e.build();
                    while (true) {
                        try {
                            broker.publish(envelope);
                            break;
                        } catch (PublishException ex) {
                            publishRetries.incrementAndGet();
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                        }
                    }
                    LockSupport.parkNanos(pause.toNanos());
                }
                return null;
            }));
        }
        return this;
    }

    /** Waits until {@code distinct} different messages have arrived. */
    public void awaitReceived(int distinct, Duration timeout) {
        Await.until(timeout, () -> received.size() >= distinct, () -> "received " + received.size());
    }

    /** Waits for every publisher to finish (each publish stored, after retries). */
    public void awaitPublished(Duration timeout) throws Exception {
        for (Future<?> f : publishing) {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        publishers.shutdown();
    }

    /** Waits until every published message has arrived, then checks that the set received is exactly that. */
    public void assertNothingLost(Duration timeout) {
        Set<String> expected = new HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                expected.add(t + "-" + i);
            }
        }
        Await.until(timeout, () -> received.keySet().containsAll(expected),
                () -> "received " + received.size() + " of " + expected.size() + " distinct");
        assertThat(received.keySet()).isEqualTo(expected);
    }

    /** Deliveries beyond the first of each message. */
    public int duplicates() {
        return received.values().stream().mapToInt(AtomicInteger::get).sum() - received.size();
    }

    /** The messages delivered more than once, with how often each was delivered. */
    public Map<String, Integer> duplicated() {
        Map<String, Integer> result = new java.util.TreeMap<>();
        received.forEach((payload, times) -> {
            if (times.get() > 1) {
                result.put(payload, times.get());
            }
        });
        return result;
    }

    /**
     * Asserts that at most {@code bound} deliveries repeated an earlier one: at-least-once allows duplicates, but
     * only as many as the mechanism named by {@code why} can make (a publish sent again, messages a member held
     * unacknowledged at the fault). The duplicated messages are named when it fails.
     */
    public void assertDuplicatesAtMost(int bound, String why) {
        assertThat(duplicates()).as("duplicate deliveries (at most %d: %s); duplicated: %s", bound, why, duplicated())
                .isLessThanOrEqualTo(bound);
    }

    /** Asserts that no message was delivered twice, naming any that was. */
    public void assertNoDuplicates() {
        assertThat(duplicated()).as("messages delivered more than once").isEmpty();
    }

    /** Publishes that failed and were sent again. */
    public int publishRetries() {
        return publishRetries.get();
    }

    public int messages() {
        return threads * perThread;
    }
}
