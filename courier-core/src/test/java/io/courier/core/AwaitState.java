package io.courier.core;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls with a deadline (core's tests cannot use the testkit, which depends on core). */
public final class AwaitState {
    private AwaitState() {
    }

    public static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 10 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
    }
}
