package io.courier.core;

import io.courier.Message;
import java.util.List;

/**
 * One handler attempt as middleware sees it: the message (or batch), where it came from, and {@link #proceed()} to
 * call the next middleware or the handler. Each retry is a new invocation; {@link Message#attempt()} tells which.
 * Not thread-safe: use it on the thread that received it.
 */
public interface Invocation {

    /** The subscription the messages were delivered on. */
    String subscription();

    /** The subscription's options (retry policy, dead-letter topic, ...). */
    io.courier.SubscribeOptions options();

    /** The messages of this attempt: one for a single-message handler, the batch for a batch handler. */
    List<Message<?>> messages();

    boolean isBatch();

    /** Runs the rest of the chain. Throwing fails the attempt, exactly as the handler throwing would. */
    void proceed() throws Exception;
}
