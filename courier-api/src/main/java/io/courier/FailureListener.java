package io.courier;

/**
 * Observes a subscription's failure policy: every retry, dead letter, drop and stop, and the failures that happen
 * before a handler runs (a payload that cannot be decoded) or after it (a dead-letter publish that fails). Metrics
 * and alerts belong here rather than in a middleware, which sees attempts but not the decisions taken after them.
 * Register with {@link SubscribeOptions.Builder#failureListener(FailureListener)}; a
 * {@code MessageServer} also registers each middleware that implements this interface.
 *
 * <p>Called on the subscription's handler threads, after the decision and before the next message of the same key;
 * keep it quick. An exception thrown by a listener is logged and changes nothing. Every method does nothing by default.
 */
public interface FailureListener {

    /** An attempt failed and the message will be tried again after {@link FailureEvent#backoff()}. */
    default void onRetry(FailureEvent event) {
    }

    /** The payload could not be decoded to the handler's type; the policy's last-attempt action follows. */
    default void onDecodeFailed(FailureEvent event) {
    }

    /** The message was published to the dead-letter topic and acknowledged. */
    default void onDeadLettered(FailureEvent event) {
    }

    /** Publishing to the dead-letter topic failed; the message was handed back to the broker for redelivery. */
    default void onDeadLetterPublishFailed(FailureEvent event) {
    }

    /** The policy is {@link AfterLastAttempt#LOG_AND_DROP}: the message was acknowledged without being handled. */
    default void onDropped(FailureEvent event) {
    }

    /** The policy is {@link AfterLastAttempt#STOP_SUBSCRIPTION}: the subscription is closing, the message unacknowledged. */
    default void onSubscriptionStopped(FailureEvent event) {
    }
}
