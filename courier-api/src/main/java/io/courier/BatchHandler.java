package io.courier;

import java.util.List;

/**
 * Handles a batch of messages, all or nothing: returning normally acknowledges every message of the batch;
 * throwing retries the whole batch per the {@link RetryPolicy}, then sends each of its messages to the dead-letter
 * topic. Batches hold up to {@link SubscribeOptions#batchSize()} messages, collected for at most
 * {@link SubscribeOptions#batchWait()}.
 *
 * @param <T> payload type
 */
@FunctionalInterface
public interface BatchHandler<T> {
    void handle(List<Message<T>> batch) throws Exception;
}
