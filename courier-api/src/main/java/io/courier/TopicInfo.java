package io.courier;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A topic as {@link BrokerAdmin#topics()} reports it. A figure the backend does not keep is empty, never a made-up
 * zero.
 *
 * @param name         the name a publisher gives it: a short name for Pulsar's {@code public/default} namespace
 *                     ({@code orders}), {@code tenant/namespace/name} for other namespaces; Kafka's own name
 * @param partitions   0 for a topic without partitions (Pulsar, memory); Kafka topics always have at least one
 * @param published    messages published to it since the broker started (Pulsar, memory) or still in its log (Kafka)
 * @param rateIn       messages per second published, as the broker measured it lately (Pulsar only)
 * @param rateOut      messages per second delivered to subscribers, as the broker measured it lately (Pulsar only)
 * @param storageBytes bytes the broker keeps for it
 */
public record TopicInfo(String name, int partitions, OptionalLong published, OptionalDouble rateIn,
                        OptionalDouble rateOut, OptionalLong storageBytes) {
    public TopicInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(published, "published");
        Objects.requireNonNull(rateIn, "rateIn");
        Objects.requireNonNull(rateOut, "rateOut");
        Objects.requireNonNull(storageBytes, "storageBytes");
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be zero or more, got " + partitions);
        }
    }

    /** True for a dead-letter topic by Courier's naming ({@code <topic>-<subscription>-DLQ}). */
    public boolean isDeadLetterTopic() {
        return name.endsWith("-DLQ");
    }
}
