package io.courier;

/**
 * Something a backend may or may not offer beyond what every backend does (publish, subscribe, at-least-once
 * delivery, the failure policy, ordering, drain on close). See {@link Capabilities}.
 */
public enum Capability {
    /** Acknowledging messages one by one, out of order, each redelivered alone if not acknowledged. */
    PER_MESSAGE_ACK,
    /** {@code Envelope.deliverAfter} / {@code deliverAt}: the broker holds a message until its time. */
    DELAYED_DELIVERY,
    /** {@link BrokerAdmin#setBacklogQuota}: publishing is refused while a topic's backlog is over a limit. */
    BACKLOG_QUOTA,
    /** {@link BrokerAdmin#ensureTopic(String, int)} with more than one partition. */
    PARTITIONS,
    /** Acknowledged messages are kept, so a new subscription with {@code EARLIEST} reads history. */
    RETENTION,
    /** {@link SubscribeOptions#builderForPattern}: one subscription over every topic matching a pattern. */
    TOPIC_PATTERNS,
    /** Payloads above the broker's frame size, sent in chunks and put together again for the consumer. */
    LARGE_PAYLOADS,
    /** Publishing several messages and acknowledging others atomically. */
    TRANSACTIONS,
    /**
     * {@link Broker#request} and {@link Broker#respond}: a request answered by one responder, its reply delivered to
     * the requester alone.
     */
    REQUEST_REPLY
}
