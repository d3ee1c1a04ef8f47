package io.courier.core.internal;

import io.courier.BatchHandler;
import io.courier.Message;
import io.courier.core.spi.RawMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The path of batches to a {@link BatchHandler}: decode each message (one that cannot be decoded goes to the failure
 * policy alone), attempt the batch under the timeout, and on failure retry the whole batch per the policy. Batches
 * run one at a time on one lane, in the order received, and a batch's backoff holds that lane. Thread-safe.
 */
final class BatchProcessing<T> {
    private final Dispatcher<T> dispatcher;
    private final BatchHandler<T> batchHandler;
    private final Lanes.Lane<T> lane;

    BatchProcessing(Dispatcher<T> dispatcher, BatchHandler<T> batchHandler, Lanes.Lane<T> lane) {
        this.dispatcher = dispatcher;
        this.batchHandler = batchHandler;
        this.lane = lane;
    }

    void submit(List<RawMessage> batch) {
        List<RawMessage> copy = List.copyOf(batch);
        Lanes.run(lane, () -> process(copy));
    }

    /** A batch holds its lane through its retries: batches are handled one at a time, in the order received. */
    private void process(List<RawMessage> raws) {
        try {
            if (dispatcher.stopped()) {
                return;
            }
            List<DeliveredMessage<T>> decoded = new ArrayList<>(raws.size());
            List<RawMessage> good = new ArrayList<>(raws.size());
            for (RawMessage raw : raws) {
                try {
                    decoded.add(new DeliveredMessage<>(raw, dispatcher.options.subscription(), dispatcher.decoder.decode(raw), 1));
                    good.add(raw);
                } catch (RuntimeException e) {
                    dispatcher.failures.decodeFailed(raw, e);
                }
            }
            if (decoded.isEmpty()) {
                return;
            }
            for (int attempt = 1; ; attempt++) {
                List<Message<T>> batch = new ArrayList<>(decoded.size());
                for (DeliveredMessage<T> m : decoded) {
                    batch.add(m.withAttempt(attempt));
                }
                List<Message<T>> view = Collections.unmodifiableList(batch);
                Throwable failure = dispatcher.invoker.invoke(() -> batchHandler.handle(view));
                if (dispatcher.stopped()) {
                    return;
                }
                if (failure == null) {
                    for (RawMessage raw : good) {
                        dispatcher.ack(raw);
                    }
                    dispatcher.stats.processed.addAndGet(good.size());
                    return;
                }
                Duration backoff = dispatcher.failures.afterFailure(good, attempt, failure);
                if (backoff == null || !sleep(backoff) || dispatcher.stopped()) {
                    return;
                }
            }
        } finally {
            dispatcher.finish(raws.size());
        }
    }

    private static boolean sleep(Duration d) {
        try {
            if (!d.isZero()) {
                Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
