package io.courier.nats;

import io.courier.core.spi.Timers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Publishing waits for a topic's stream without holding the caller: the first publish to a topic makes (or finds) its
 * stream on a background thread, and publishes sent meanwhile wait in call order and go out in that order once it is
 * there; later ones go out at once. A stream that cannot be made fails the waiting publishes, and the next publish
 * tries again. Thread-safe.
 */
final class StreamGates {
    /** One topic's gate: closed (collecting publishes) until its stream is known. */
    private static final class Gate {
        private final List<Runnable> waiting = new ArrayList<>();
        private final List<Consumer<Throwable>> failures = new ArrayList<>();
        private volatile boolean open;
        private boolean failed;
    }

    private final NatsTopics topics;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    private final ExecutorService maker = Executors.newSingleThreadExecutor(Timers.daemonThreads("courier-nats-streams"));

    StreamGates(NatsTopics topics) {
        this.topics = topics;
    }

    /** True once {@code topic}'s stream is known: a publish may go out at once. */
    boolean isReady(String topic) {
        Gate gate = gates.get(topic);
        return gate != null && gate.open;
    }

    /** Runs {@code send} once {@code topic}'s stream exists, in call order, or {@code fail} if it cannot be made. */
    void whenReady(String topic, Runnable send, Consumer<Throwable> fail) {
        Gate gate = gates.get(topic);
        if (gate == null) {
            Gate fresh = new Gate();
            gate = gates.putIfAbsent(topic, fresh);
            if (gate == null) {
                gate = fresh;
                Gate made = fresh;
                maker.execute(() -> make(topic, made));
            }
        }
        if (!gate.open) {
            synchronized (gate) {
                if (gate.failed) {
                    whenReady(topic, send, fail);   // a new gate tries again
                    return;
                }
                if (!gate.open) {
                    gate.waiting.add(send);
                    gate.failures.add(fail);
                    return;
                }
            }
        }
        send.run();
    }

    private void make(String topic, Gate gate) {
        Throwable failure = null;
        try {
            topics.ensure(topic);
        } catch (RuntimeException e) {
            failure = e;
        }
        synchronized (gate) {
            if (failure == null) {
                gate.waiting.forEach(Runnable::run);
                gate.open = true;
            } else {
                gate.failed = true;
                gates.remove(topic, gate);
                for (Consumer<Throwable> f : gate.failures) {
                    f.accept(failure);
                }
            }
            gate.waiting.clear();
            gate.failures.clear();
        }
    }

    void close() {
        maker.shutdownNow();
    }
}
