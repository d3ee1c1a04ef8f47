package io.courier;

/** Where a subscription is in its life, as reported by {@link SubscriptionHealth}. */
public enum SubscriptionState {
    /** Taking and handling messages. */
    RUNNING,
    /** Paused by the application: holds its in-flight messages but takes no new ones. */
    PAUSED,
    /** Messages are in flight but none has completed for longer than the stall threshold. */
    STALLED,
    /** The consumer broke and cannot deliver; see {@link SubscriptionHealth#lastError()}. */
    FAILED,
    /** Stopping: draining in-flight work before closing. */
    CLOSING,
    /** Closed; the durable subscription still exists on the broker. */
    CLOSED
}
