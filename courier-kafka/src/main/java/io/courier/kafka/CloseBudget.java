package io.courier.kafka;

import io.courier.core.spi.Deadline;
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

    /** Null until the close starts. */
    private volatile Deadline deadline;

    /** Starts the close; call before telling the poller to stop. */
    void start(Duration timeout) {
        deadline = Deadline.after(timeout.compareTo(FLOOR) < 0 ? FLOOR : timeout);
    }

    /** The time one step may take: {@code cap}, or less once the close has started. */
    Duration left(Duration cap) {
        Deadline d = deadline;
        if (d == null) {
            return cap;
        }
        Duration left = d.remaining();
        return left.compareTo(cap) < 0 ? left : cap;
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
