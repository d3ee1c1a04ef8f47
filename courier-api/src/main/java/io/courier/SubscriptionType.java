package io.courier;

/** How consumers of one subscription share its messages (Pulsar's subscription types). */
public enum SubscriptionType {
    /** One consumer only; a second is refused with {@link SubscriptionBusyException}. */
    EXCLUSIVE,
    /** Consumers compete: each message goes to one of them, in no particular order across consumers. */
    SHARED,
    /** One active consumer gets everything; the others stand by and take over, without loss, when it leaves. */
    FAILOVER,
    /** Like SHARED, but all messages of one key go to the same consumer, in order. */
    KEY_SHARED
}
