package io.courier.core.internal;

import io.courier.core.spi.RawMessage;

/** One received message on its way through a dispatcher: decoded once, then attempted until settled. */
final class Delivery<T> {
    final RawMessage raw;
    /** The ordering key ({@code ""} for every message with STRICT ordering), or null when order does not matter. */
    final String key;
    /** Null until decoded. */
    DeliveredMessage<T> message;
    /** The next attempt's number, from 1 (more for a message back from the retry topic). */
    int attempt;
    /** When a waiting retry is due, on the dispatch clock (inline dispatch only). */
    long dueNanos;

    Delivery(RawMessage raw, String key) {
        this.raw = raw;
        this.key = key;
        this.attempt = RetryTopicConsumer.attemptOf(raw);
    }
}
