package io.courier.core.spi;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A backend's consumer on one subscription, as the shared dispatch machinery drives it. The dispatcher calls
 * {@link #receive} from one thread and {@link #ack}/{@link #nack} from handler threads; implementations must allow
 * that. The dispatcher bounds how many messages it holds; the backend should not prefetch much beyond
 * {@code maxInFlight}.
 */
public interface RawConsumer {

    /** The next message, or null when none arrived within the timeout. */
    RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException;

    /** Acknowledges one message individually. Must not throw for a message of a closed consumer. */
    void ack(RawMessage message);

    /** Hands a message back for redelivery (to this or another consumer of the subscription). */
    void nack(RawMessage message);

    /** Closes the consumer; unacknowledged messages go back to the subscription. Never unsubscribes. Idempotent. */
    void close();

    /**
     * {@link #close()} within about {@code timeout}: what is left of the subscription's grace once its handlers are
     * done, so that a stop is bounded also with the broker unreachable. A backend whose close talks to the broker (a
     * final offset commit) bounds that by it. The default ignores the bound.
     */
    default void close(Duration timeout) {
        close();
    }
}
