package io.courier;

import java.time.Duration;

/**
 * An open subscription delivering to a handler. Closing it never unsubscribes: the durable subscription and its
 * backlog stay on the broker and the next subscriber with the same name continues where this one stopped.
 * Thread-safe.
 */
public interface Subscription extends AutoCloseable {

    SubscribeOptions options();

    /** The health view; cheap to call. */
    SubscriptionHealth health();

    /** Stops taking new messages; in-flight ones finish. Idempotent. */
    void pause();

    /** Takes messages again after {@link #pause()}. Idempotent. */
    void resume();

    /**
     * Stops taking messages, waits up to {@code grace} for in-flight handlers to finish and acknowledges those that
     * did, then closes the consumer. Messages still unfinished at the end of the grace are not acknowledged: the
     * broker delivers them again to the next subscriber. Idempotent; safe to call from several threads.
     *
     * @return true when every in-flight message finished within the grace
     */
    boolean close(Duration grace);

    /** {@link #close(Duration)} with the broker's close timeout ({@link BrokerOptions#closeTimeout()}). */
    @Override
    void close();
}
