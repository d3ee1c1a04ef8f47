package io.courier.core.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** The counters behind {@link io.courier.SubscriptionHealth}; thread-safe. */
final class SubscriptionStats {
    final AtomicLong processed = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    private final Clock clock;
    private volatile Instant lastActivity;
    private volatile String lastError;

    SubscriptionStats(Clock clock) {
        this.clock = clock;
        this.lastActivity = clock.instant();
    }

    void touched() {
        lastActivity = clock.instant();
    }

    Instant lastActivity() {
        return lastActivity;
    }

    void failed(Throwable t) {
        lastError = describe(t);
    }

    void failed(String description) {
        lastError = description;
    }

    String lastError() {
        return lastError;
    }

    Instant now() {
        return clock.instant();
    }

    /** {@code ExceptionClass: message}, looking through an ExecutionException to its cause. */
    static String describe(Throwable t) {
        Throwable root = t;
        if (root instanceof java.util.concurrent.ExecutionException && root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getName() + ": " + root.getMessage();
    }
}
