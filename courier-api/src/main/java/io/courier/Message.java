package io.courier;

import java.time.Instant;
import java.util.Optional;

/**
 * A delivered message with its decoded payload. Instances are immutable and may be handed to other threads;
 * the payload object is the handler's to use.
 *
 * @param <T> the payload type the handler was registered for
 */
public interface Message<T> {

    /** The topic the message was published to (for a partitioned topic, the partition's topic). */
    String topic();

    /** The subscription it was delivered on. */
    String subscription();

    MessageId id();

    Optional<String> key();

    Headers headers();

    /** The decoded payload; never null. */
    T payload();

    /** When the broker stored the message. */
    Instant publishTime();

    /** The application event time, when the publisher set one. */
    Optional<Instant> eventTime();

    /**
     * How many times the broker delivered this message before (0 on first delivery); grows when a message comes
     * back after a consumer closed without acknowledging it or a process crashed.
     */
    int redeliveryCount();

    /**
     * The in-process attempt number, 1 for the first call of the handler; grows with each retry of the
     * subscription's {@link RetryPolicy}.
     */
    int attempt();
}
