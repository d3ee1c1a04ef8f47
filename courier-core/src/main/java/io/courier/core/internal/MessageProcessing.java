package io.courier.core.internal;

import io.courier.Handler;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The path of a message to a single-message handler: decode once, attempt under the timeout, settle by the failure
 * policy, and when the policy asks for a wait, schedule the next attempt instead of waiting: with PER_KEY the key is
 * held (later messages of it park in the lane's {@link KeyGate}), the thread goes on with other keys. Inline dispatch
 * (concurrency 1) keeps its waiting retries in {@link #inlineRetries}, run by the receiving thread when due; lanes
 * use the {@link DispatchClock}'s timer. Not thread-safe by itself: each lane (or the inline receiver) is one thread.
 */
final class MessageProcessing<T> {
    private final Dispatcher<T> dispatcher;
    private final Handler<T> handler;
    /** Inline dispatch only, touched by the receiver alone: retries by due time. */
    final PriorityQueue<Delivery<T>> inlineRetries = new PriorityQueue<>(Comparator.comparingLong(d -> d.dueNanos));

    MessageProcessing(Dispatcher<T> dispatcher, Handler<T> handler) {
        this.dispatcher = dispatcher;
        this.handler = handler;
    }

    /** Nanoseconds until the next inline retry is due (at least 1), or {@code max} when none waits sooner. */
    long nanosToNextRetry(long max) {
        Delivery<T> next = inlineRetries.peek();
        return next == null ? max : Math.max(1, Math.min(max, next.dueNanos - dispatcher.clock.nanoTime()));
    }

    /** A newly received message, on its lane's thread: it waits behind its key if that key is held, else runs. */
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
    void runFrom(Delivery<T> d, KeyGate<Delivery<T>> gate, Lanes.Lane<T> lane) {
        Delivery<T> next = d;
        while (next != null) {
            Duration backoff = attempt(next);
            if (backoff != null) {
                if (gate != null) {
                    gate.hold(next.key);
                }
                scheduleRetry(next, backoff, lane);
                return;
            }
            next = gate == null || next.key == null ? null : gate.next(next.key);
        }
    }

    /** Schedules the next attempt of {@code d} after {@code backoff}: on the inline receiver's queue, or the timer. */
    void scheduleRetry(Delivery<T> d, Duration backoff, Lanes.Lane<T> lane) {
        if (lane == null) {
            d.dueNanos = dispatcher.clock.nanoTime() + backoff.toNanos();
            inlineRetries.add(d);
        } else {
            dispatcher.clock.schedule(() -> {
                dispatcher.waitingRetries.decrementAndGet();
                Lanes.runFirst(lane, () -> runFrom(d, lane.gate, lane));
            }, backoff.toNanos());
        }
        dispatcher.waitingRetries.incrementAndGet();
    }

    /**
     * Attempts {@code d} until it is settled (acknowledged, or finished by the failure policy): returns null; or until
     * it must wait before the next attempt: returns the wait, and {@code d} stays in flight.
     */
    Duration attempt(Delivery<T> d) {
        boolean settled = true;
        try {
            if (dispatcher.stopped()) {
                return null;
            }
            if (d.message == null) {
                try {
                    d.message = new DeliveredMessage<>(d.raw, dispatcher.options.subscription(), dispatcher.decoder.decode(d.raw), 1);
                } catch (RuntimeException e) {
                    dispatcher.failures.decodeFailed(d.raw, e);
                    return null;
                }
            }
            while (true) {
                DeliveredMessage<T> current = d.message.withAttempt(d.attempt);
                Throwable failure = dispatcher.invoker.invoke(() -> handler.handle(current));
                if (dispatcher.stopped()) {
                    return null;
                }
                if (failure == null) {
                    dispatcher.ack(d.raw);
                    dispatcher.stats.processed.incrementAndGet();
                    return null;
                }
                Duration backoff = dispatcher.failures.afterFailure(List.of(d.raw), d.attempt, failure);
                if (backoff == null) {
                    return null;
                }
                d.attempt++;
                if (!backoff.isZero()) {
                    if (dispatcher.failures.viaRetryTopic(backoff)
                            && dispatcher.failures.sendToRetryTopic(d.raw, d.attempt, backoff)) {
                        return null;   // acknowledged here; it comes back through the retry topic
                    }
                    settled = false;
                    return backoff;
                }
            }
        } finally {
            if (settled) {
                dispatcher.finish(1);
            }
        }
    }

    void runDueRetries() {
        Delivery<T> d;
        while ((d = inlineRetries.peek()) != null && d.dueNanos - dispatcher.clock.nanoTime() <= 0) {
            inlineRetries.poll();
            dispatcher.waitingRetries.decrementAndGet();
            runFrom(d, dispatcher.inlineGate, null);
        }
    }
}
