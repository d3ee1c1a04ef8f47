package io.courier;

/** What happens to a message whose handler failed for the last time (or must not be retried). */
public enum AfterLastAttempt {
    /**
     * Publish it to the subscription's dead-letter topic with the {@code courier-dlq-*} headers, then acknowledge it
     * (the default). If the dead-letter publish fails, the message is handed back to the broker instead.
     */
    DEAD_LETTER,
    /** Log it at WARNING and acknowledge it: the message is gone. An explicit choice, never a default. */
    LOG_AND_DROP,
    /**
     * Leave it unacknowledged and close the subscription (draining the other in-flight messages): nothing more is
     * handled until someone looks. The message is redelivered when the subscription is opened again.
     */
    STOP_SUBSCRIPTION
}
