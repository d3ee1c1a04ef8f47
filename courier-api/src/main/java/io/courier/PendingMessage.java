package io.courier;

import java.time.Duration;

/**
 * A message its handler finishes itself, possibly later and on another thread (after an asynchronous write, say):
 * handed to a {@link ManualAckHandler}. Exactly one of {@link #ack()}, {@link #nack(Throwable)} or
 * {@link #nack(Duration)} settles it; later calls do nothing and return false. Until it is settled it counts as in
 * flight (within {@link SubscribeOptions#maxInFlight()}), and the subscription's handler timeout runs from the
 * handler call to the settlement: a message still unsettled at the timeout counts as a failed attempt
 * ({@link HandlerTimeoutException}). A message unsettled when the subscription's close grace runs out is left
 * unacknowledged for redelivery. Thread-safe.
 *
 * @param <T> payload type
 */
public interface PendingMessage<T> extends Message<T> {

    /** Acknowledges the message: it will not be delivered again. */
    boolean ack();

    /**
     * This attempt failed with {@code cause}: the subscription's {@link RetryPolicy} decides between another attempt
     * (after its backoff) and its last-attempt action, as for a handler that throws.
     */
    boolean nack(Throwable cause);

    /**
     * This attempt failed and the message should be tried again after {@code retryAfter} (instead of the policy's
     * backoff); the policy's attempt limit and last-attempt action still apply.
     */
    boolean nack(Duration retryAfter);

    /** True once settled (acknowledged, failed, or timed out). */
    boolean isSettled();
}
