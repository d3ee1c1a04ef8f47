package io.courier.core.internal;

import io.courier.Handler;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The path of a message to a single-message handler: decode once, attempt under the timeout, settle by the failure
 * policy, and when the policy asks for a wait, schedule the next attempt instead of waiting: with PER_KEY the key is
 * held (later messages of it park in the lane's {@link KeyGate}), the thread goes on with other keys. A receiver that
 * handles messages itself (concurrency 1) keeps its waiting retries in a queue of its own, run when due; lanes use the
 * clock's timer, and a retry that came due runs ahead of what waits on its lane. Not thread-safe by itself: each lane
 * (or the inline receiver) is one thread.
 */
final class SingleAttempts<T> {
    private final SubscriptionRuntime runtime;
    private final PayloadDecoder<T> decoder;
    private final TimedInvoker invoker;
    private final FailureHandling failures;
    private final Handler<T> handler;
    /** Inline dispatch only, touched by the receiver alone: retries by due time. */
    private final PriorityQueue<Delivery<T>> inlineRetries = new PriorityQueue<>(Comparator.comparingLong(d -> d.dueNanos));

    SingleAttempts(SubscriptionRuntime runtime, PayloadDecoder<T> decoder, TimedInvoker invoker, FailureHandling failures,
                   Handler<T> handler) {
        this.runtime = runtime;
        this.decoder = decoder;
        this.invoker = invoker;
        this.failures = failures;
        this.handler = handler;
    }

    /** Nanoseconds until the next inline retry is due (at least 1), or {@code max} when none waits sooner. */
    long nanosToNextRetry(long max) {
        Delivery<T> next = inlineRetries.peek();
        return next == null ? max : Math.max(1, Math.min(max, next.dueNanos - runtime.clock.nanoTime()));
    }

    /** A newly received message: it waits behind its key if that key is held, else runs. Lane null: inline. */
    void dispatch(Delivery<T> d, KeyGate<Delivery<T>> gate, Lanes.Lane<T> lane) {
        if (gate != null && !gate.isEmpty() && gate.parkIfHeld(d.key, d)) {
            return;
        }
        runFrom(d, gate, lane);
    }

    /**
     * Runs {@code d}, then the messages parked behind its key, until one of them must wait for a retry (its key stays
     * held) or none is left (the key is free).
     */
    private void runFrom(Delivery<T> d, KeyGate<Delivery<T>> gate, Lanes.Lane<T> lane) {
        Delivery<T> next = d;
        while (next != null) {
            Duration backoff = attempt(next);
            if (backoff != null) {
                if (gate != null) {
                    gate.hold(next.key);
                }
                scheduleRetry(next, backoff, gate, lane);
                return;
            }
            next = gate == null || next.key == null ? null : gate.next(next.key);
        }
    }

    private void scheduleRetry(Delivery<T> d, Duration backoff, KeyGate<Delivery<T>> gate, Lanes.Lane<T> lane) {
        runtime.retryWaiting();
        if (lane == null) {
            d.dueNanos = runtime.clock.nanoTime() + backoff.toNanos();
            inlineRetries.add(d);
        } else {
            runtime.clock.schedule(() -> {
                runtime.retryDue();
                Lanes.runFirst(lane, () -> runFrom(d, gate, lane));
            }, backoff.toNanos());
        }
    }

    /** Runs the inline retries that are due, on the receiving thread. */
    void runDueRetries(KeyGate<Delivery<T>> gate) {
        Delivery<T> d;
        while ((d = inlineRetries.peek()) != null && d.dueNanos - runtime.clock.nanoTime() <= 0) {
            inlineRetries.poll();
            runtime.retryDue();
            runFrom(d, gate, null);
        }
    }

    /**
     * Attempts {@code d} until it is settled (acknowledged, or finished by the failure policy): returns null; or until
     * it must wait before the next attempt: returns the wait, and {@code d} stays in flight.
     */
    private Duration attempt(Delivery<T> d) {
        boolean settled = true;
        try {
            if (runtime.stopped()) {
                return null;
            }
            if (d.message == null) {
                try {
                    d.message = new DeliveredMessage<>(d.raw, runtime.options.subscription(), decoder.decode(d.raw), 1);
                } catch (RuntimeException e) {
                    failures.decodeFailed(d.raw, e);
                    return null;
                }
            }
            while (true) {
                DeliveredMessage<T> current = d.message.withAttempt(d.attempt);
                Throwable failure = invoker.invoke(() -> handler.handle(current));
                if (runtime.stopped()) {
                    return null;
                }
                if (failure == null) {
                    runtime.ack(d.raw);
                    runtime.stats.processed.incrementAndGet();
                    return null;
                }
                Duration backoff = failures.afterFailure(List.of(d.raw), d.attempt, failure);
                if (backoff == null) {
                    return null;
                }
                d.attempt++;
                if (!backoff.isZero()) {
                    if (failures.viaRetryTopic(backoff) && failures.sendToRetryTopic(d.raw, d.attempt, backoff)) {
                        return null;   // acknowledged here; it comes back through the retry topic
                    }
                    settled = false;
                    return backoff;
                }
            }
        } finally {
            if (settled) {
                runtime.finish(1);
            }
        }
    }
}
