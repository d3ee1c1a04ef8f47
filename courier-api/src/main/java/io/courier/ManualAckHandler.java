package io.courier;

/**
 * Handles one message and settles it itself ({@link PendingMessage#ack()} / {@code nack}), now or later: opt in with
 * {@link Broker#subscribeManualAck}. The handler is called in the subscription's order (per key with
 * {@link Ordering#PER_KEY}); returning does not settle the message, throwing does (as {@code nack(exception)}).
 * Messages settle in whatever order the handler settles them, so a retry comes after later messages of its key.
 *
 * @param <T> payload type
 */
@FunctionalInterface
public interface ManualAckHandler<T> {
    void handle(PendingMessage<T> message) throws Exception;
}
