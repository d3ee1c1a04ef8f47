package io.courier.core.spi;

import java.time.Duration;

/**
 * A moment on the monotonic clock ({@link System#nanoTime()}) by which a sequence of steps must end, so that each
 * step gets what the steps before it left instead of a whole timeout of its own (a close in three stages then takes
 * its timeout once, not three times). Immutable and thread-safe.
 */
public final class Deadline {
    /** Longer timeouts are cut to this (about 73 years), so that the clock arithmetic cannot overflow. */
    private static final long LONGEST_NANOS = Long.MAX_VALUE / 4;

    private final long atNanos;

    private Deadline(long atNanos) {
        this.atNanos = atNanos;
    }

    /** The moment {@code timeout} from now; a negative timeout counts as zero. */
    public static Deadline after(Duration timeout) {
        long nanos;
        try {
            nanos = Math.min(Math.max(0, timeout.toNanos()), LONGEST_NANOS);
        } catch (ArithmeticException tooLong) {
            nanos = timeout.isNegative() ? 0 : LONGEST_NANOS;
        }
        return new Deadline(System.nanoTime() + nanos);
    }

    /** Nanoseconds left; zero once the deadline has passed, never negative. */
    public long remainingNanos() {
        return Math.max(0, atNanos - System.nanoTime());
    }

    /** Time left; zero once the deadline has passed, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(remainingNanos());
    }

    /** Whether no time is left. */
    public boolean passed() {
        return remainingNanos() == 0;
    }

    @Override
    public String toString() {
        return "Deadline{" + remaining().toMillis() + " ms left}";
    }
}
