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
    /** In epoch milliseconds: {@code Clock.millis()} per message, not an {@code Instant} (a tenth of memory://'s time). */
    private volatile long lastActivityMillis;
    private volatile String lastError;

    SubscriptionStats(Clock clock) {
        this.clock = clock;
        this.lastActivityMillis = clock.millis();
    }

    void touched() {
        lastActivityMillis = clock.millis();
    }

    Instant lastActivity() {
        return Instant.ofEpochMilli(lastActivityMillis);
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
