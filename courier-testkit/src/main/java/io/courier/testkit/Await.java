package io.courier.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/** Polls a condition until it holds or a deadline passes; tests wait with this, never with a fixed sleep. */
public final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; fails with {@code description} (evaluated at the deadline) when it
     * does not within {@code timeout}.
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> description) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionFailedError("not reached within " + timeout + ": " + description.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
