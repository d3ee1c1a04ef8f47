package io.courier;

import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of one subscription's health. Counters are totals since the subscription opened.
 *
 * @param topic         topic (or topic pattern) subscribed
 * @param subscription  subscription name
 * @param state         current state
 * @param inFlight      messages received from the broker and not yet acknowledged or dead-lettered
 * @param processed     messages whose handler succeeded (acknowledged)
 * @param failedAttempts handler attempts that threw or timed out
 * @param retried       attempts made again after a failure
 * @param deadLettered  messages sent to the dead-letter topic
 * @param lastActivity  when a message last completed (or the subscription opened)
 * @param lastError     the last failure, as {@code ExceptionClass: message}, or null
 */
public record SubscriptionHealth(
        String topic,
        String subscription,
        SubscriptionState state,
        int inFlight,
        long processed,
        long failedAttempts,
        long retried,
        long deadLettered,
        Instant lastActivity,
        String lastError) {

    public Optional<String> lastErrorMessage() {
        return Optional.ofNullable(lastError);
    }

    /** True when the state is RUNNING or PAUSED. */
    public boolean healthy() {
        return state == SubscriptionState.RUNNING || state == SubscriptionState.PAUSED;
    }
}
