package io.courier;

/**
 * Handles one message. Returning normally acknowledges it; throwing applies the subscription's failure policy:
 * retry with backoff, then the dead-letter topic. Throw {@link NonRetryableException} to skip the retries.
 * Handlers must tolerate duplicates (delivery is at-least-once). A handler may be called from several threads at
 * once when the subscription's concurrency is above 1.
 *
 * @param <T> payload type
 */
@FunctionalInterface
public interface Handler<T> {
    void handle(Message<T> message) throws Exception;
}
