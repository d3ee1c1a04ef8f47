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
 * policy alone), attempt the batch under the timeout, and on failure retry the whole batch per the policy, waiting its
 * backoff on the clock. Batches run one at a time on one lane, in the order received, and a batch's backoff holds
 * that lane: a later batch never overtakes one that waits. Thread-safe.
 */
final class BatchAttempts<T> {
    private final SubscriptionRuntime runtime;
    private final PayloadDecoder<T> decoder;
    private final TimedInvoker invoker;
    private final FailureHandling failures;
    private final BatchHandler<T> handler;
    private final Lanes.Lane<T> lane;

    BatchAttempts(SubscriptionRuntime runtime, PayloadDecoder<T> decoder, TimedInvoker invoker, FailureHandling failures,
                  BatchHandler<T> handler, Lanes.Lane<T> lane) {
        this.runtime = runtime;
        this.decoder = decoder;
        this.invoker = invoker;
        this.failures = failures;
        this.handler = handler;
        this.lane = lane;
    }

    /** Hands a batch (the caller's list is copied) to the batch lane. */
    void submit(List<RawMessage> batch) {
        List<RawMessage> copy = List.copyOf(batch);
        Lanes.run(lane, () -> process(copy));
    }

    /** Handles one batch through its retries; its messages stay in flight until then. */
    void process(List<RawMessage> raws) {
        try {
            if (runtime.stopped()) {
                return;
            }
            List<DeliveredMessage<T>> decoded = new ArrayList<>(raws.size());
            List<RawMessage> good = new ArrayList<>(raws.size());
            for (RawMessage raw : raws) {
                try {
                    decoded.add(new DeliveredMessage<>(raw, runtime.options.subscription(), decoder.decode(raw), 1));
                    good.add(raw);
                } catch (RuntimeException e) {
                    failures.decodeFailed(raw, e);
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
                Throwable failure = invoker.invoke(() -> handler.handle(view));
                if (runtime.stopped()) {
                    return;
                }
                if (failure == null) {
                    for (RawMessage raw : good) {
                        runtime.ack(raw);
                    }
                    runtime.stats.processed.addAndGet(good.size());
                    return;
                }
                Duration backoff = failures.afterFailure(good, attempt, failure);
                if (backoff == null || !waited(backoff) || runtime.stopped()) {
                    return;
                }
            }
        } finally {
            runtime.finish(raws.size());
        }
    }

    /** Waits out a backoff on the clock; false when interrupted (the subscription was abandoned at close). */
    private boolean waited(Duration backoff) {
        if (backoff.isZero()) {
            return true;
        }
        runtime.retryWaiting();
        try {
            runtime.clock.sleep(backoff.toNanos());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            runtime.retryDue();
        }
    }
}
