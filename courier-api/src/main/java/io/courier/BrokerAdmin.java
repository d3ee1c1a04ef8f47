package io.courier;

import java.util.Optional;

/**
 * Administrative capabilities of a broker. A backend that lacks one throws {@link UnsupportedFeatureException};
 * the README's backend table lists which backends have what. Implementations are thread-safe.
 */
public interface BrokerAdmin {

    /**
     * Makes sure {@code topic} exists with {@code partitions} partitions (0 = not partitioned). Idempotent when the
     * topic already has that shape; throws {@link ConfigurationException} when it exists with another one.
     */
    void ensureTopic(String topic, int partitions);

    /** Sets (replaces) the backlog quota of {@code topic}. */
    void setBacklogQuota(String topic, BacklogQuota quota);

    /** Removes the backlog quota of {@code topic}; nothing happens when it has none. */
    void removeBacklogQuota(String topic);

    /** The backlog quota of {@code topic}, if one is set. */
    Optional<BacklogQuota> backlogQuota(String topic);

    /**
     * Messages published to {@code topic} and not yet acknowledged on {@code subscription}; 0 when the
     * subscription does not exist. Pulsar counts stored entries: messages that the producer sent in one batch count
     * once.
     */
    long backlog(String topic, String subscription);
}
