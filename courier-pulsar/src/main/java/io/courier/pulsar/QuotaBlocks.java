package io.courier.pulsar;

import io.courier.BacklogQuotaExceededException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClientException;

/**
 * Topics whose producer the broker refused for the backlog quota. While a topic is blocked, publishes to it are
 * refused at once, without being sent; one producer per blocked topic is being created in the background, and the
 * topic is unblocked with that producer as soon as the broker accepts it (the broker checks the quota when a producer
 * connects, so that happens as soon as consumers have caught up).
 *
 * <p>Why: a producer the broker cut off for the quota reconnects with growing backoff and queues every later publish
 * until it is refused again or times out, so without this a refused topic answered after up to the publish timeout
 * (30 s), not at once. Thread-safe.
 */
final class QuotaBlocks {
    private static final System.Logger LOG = System.getLogger(QuotaBlocks.class.getName());

    private record Block(Instant since, String reason) {
    }

    private final Map<String, Block> blocked = new ConcurrentHashMap<>();
    private final String url;
    private final Function<String, CompletableFuture<Producer<byte[]>>> createProducer;
    private final BiConsumer<String, Producer<byte[]>> unblocked;
    private final Clock clock;
    private volatile boolean closed;

    /**
     * @param createProducer makes a producer for a topic (the broker refuses it while the quota is exceeded)
     * @param unblocked      takes the accepted producer for the topic's cache
     */
    QuotaBlocks(String url, Function<String, CompletableFuture<Producer<byte[]>>> createProducer,
                BiConsumer<String, Producer<byte[]>> unblocked, Clock clock) {
        this.url = url;
        this.createProducer = createProducer;
        this.unblocked = unblocked;
        this.clock = clock;
    }

    /** The refusal for a publish to a blocked topic, or null when the topic is not blocked. */
    BacklogQuotaExceededException refusal(String topic) {
        Block b = blocked.get(topic);
        if (b == null) {
            return null;
        }
        return new BacklogQuotaExceededException("publish to '" + topic + "' on " + url + " rejected: backlog quota of "
                + "topic '" + topic + "' exceeded (refused by the broker at " + b.since + ", " + b.reason
                + "); refused without sending until the broker accepts a producer again; retry when consumers catch up",
                null);
    }

    /** Blocks the topic after the broker refused a publish for the quota; idempotent. */
    void block(String topic, String reason) {
        if (closed) {
            return;
        }
        if (blocked.putIfAbsent(topic, new Block(clock.instant(), reason)) == null) {
            LOG.log(Level.INFO, "topic ''{0}'' on {1} is over its backlog quota: publishes are refused until the broker "
                    + "accepts a producer again", topic, url);
            probe(topic);
        }
    }

    private void probe(String topic) {
        createProducer.apply(topic).whenComplete((producer, error) -> {
            if (error == null) {
                if (closed) {
                    producer.closeAsync();
                    return;
                }
                unblocked.accept(topic, producer);
                Block b = blocked.remove(topic);
                LOG.log(Level.INFO, "topic ''{0}'' on {1} accepts publishes again after {2}", topic, url,
                        b == null ? Duration.ZERO : Duration.between(b.since, clock.instant()));
            } else if (!closed && isQuota(io.courier.core.spi.BrokerErrors.unwrap(error))) {
                probe(topic);   // the client retried with backoff until its operation timeout: keep trying
            } else {
                // anything else (broker down, closed): the ordinary publish path reports it from now on
                blocked.remove(topic);
            }
        });
    }

    static boolean isQuota(Throwable t) {
        return t instanceof PulsarClientException.ProducerBlockedQuotaExceededException
                || t instanceof PulsarClientException.ProducerBlockedQuotaExceededError;
    }

    void close() {
        closed = true;
        blocked.clear();
    }
}
