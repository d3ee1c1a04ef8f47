package io.courier.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How long a consumer's close may still spend with the broker (final commit, leaving the group): what is left of the
 * subscription's grace when its handlers are done, at least {@link #FLOOR} so that a stop whose handlers used the
 * whole grace still commits what they finished, and at most each call's own cap. Before the close, every call gets
 * its cap. Thread-safe.
 */
final class CloseBudget {
    static final Duration FLOOR = Duration.ofSeconds(1);
    /** A close without a bound (the no-argument {@code close()}). */
    static final Duration UNBOUNDED_CLOSE = Duration.ofSeconds(15);

    private volatile long deadline;
    private volatile boolean closing;

    /** Starts the close; call before telling the poller to stop. */
    void start(Duration timeout) {
        deadline = System.nanoTime() + Math.max(timeout.toNanos(), FLOOR.toNanos());
        closing = true;
    }

    /** The time one step may take: {@code cap}, or less once the close has started. */
    Duration left(Duration cap) {
        if (!closing) {
            return cap;
        }
        long left = Math.max(0, deadline - System.nanoTime());
        return left < cap.toNanos() ? Duration.ofNanos(left) : cap;
    }

    /** Waits for {@code poller} to finish its close steps, within the budget and a little more for the thread to end. */
    void awaitEnd(Thread poller) {
        try {
            poller.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left(Duration.ofSeconds(30)).toNanos()) + 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
