package io.courier.nats;

import io.courier.MessageId;
import io.courier.PublishTimeoutException;
import io.courier.PublisherClosedException;
import io.courier.core.spi.Timers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes waiting for their stream's acknowledgement, failed with {@link PublishTimeoutException} at the publish
 * timeout: the NATS client gives up on an answer only at its cleanup interval, up to twice as late. Every publish has
 * the same timeout, so the oldest is always the first due: a queue in the order sent, swept every 100 ms, costs one
 * small object per publish. Thread-safe.
 */
final class PublishDeadlines {
    private static final long SWEEP_MS = 100;

    private record Waiting(long dueNanos, String topic, CompletableFuture<MessageId> result) {
    }

    private final ConcurrentLinkedQueue<Waiting> queue = new ConcurrentLinkedQueue<>();
    private final long timeoutNanos;
    private final String url;
    private final ScheduledFuture<?> sweeper;

    PublishDeadlines(Duration timeout, String url) {
        this.timeoutNanos = timeout.toNanos();
        this.url = url;
        this.sweeper = Timers.shared().scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    void add(String topic, CompletableFuture<MessageId> result) {
        queue.add(new Waiting(System.nanoTime() + timeoutNanos, topic, result));
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Waiting w; (w = queue.peek()) != null && (w.result.isDone() || w.dueNanos - now <= 0); ) {
            queue.poll();
            if (!w.result.isDone()) {
                w.result.completeExceptionally(new PublishTimeoutException("publish to '" + w.topic + "' on " + url
                        + " timed out: the stream did not acknowledge it within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
            }
        }
    }

    /** Stops the sweeping and fails every publish still waiting: the connection is closing under them. */
    void close() {
        sweeper.cancel(false);
        for (Waiting w; (w = queue.poll()) != null; ) {
            if (!w.result.isDone()) {
                w.result.completeExceptionally(new PublisherClosedException("publish to '" + w.topic + "' on " + url
                        + " failed: the broker was closed before the stream acknowledged it"));
            }
        }
    }
}
