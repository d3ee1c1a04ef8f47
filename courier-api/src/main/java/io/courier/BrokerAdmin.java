package io.courier;

import java.util.List;
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

    /**
     * The topics the broker holds, sorted by name, partitions folded into their topic. Pulsar lists every namespace
     * of every tenant but its own system namespaces and topics. The default throws
     * {@link UnsupportedFeatureException}, for backends that cannot list.
     */
    default List<TopicInfo> topics() {
        throw new UnsupportedFeatureException("this broker cannot list its topics");
    }

    /**
     * The subscriptions of {@code topic}, sorted by name; empty when the topic has none or does not exist. The
     * default throws {@link UnsupportedFeatureException}, for backends that cannot list.
     */
    default List<SubscriptionInfo> subscriptions(String topic) {
        throw new UnsupportedFeatureException("this broker cannot list the subscriptions of '" + topic + "'");
    }

    /**
     * Acknowledges the next {@code messages} messages of {@code subscription} without delivering them, oldest first
     * (fewer when fewer are waiting). Meant for a subscription without connected consumers: a message already
     * delivered to one is skipped too, and its acknowledgement later changes nothing. The default throws
     * {@link UnsupportedFeatureException}.
     */
    default void skip(String topic, String subscription, long messages) {
        throw new UnsupportedFeatureException("this broker cannot skip messages of '" + subscription + "'");
    }

    /** Acknowledges everything published to {@code topic} so far for {@code subscription}: its backlog becomes 0. */
    default void skipAll(String topic, String subscription) {
        throw new UnsupportedFeatureException("this broker cannot skip the backlog of '" + subscription + "'");
    }

    /**
     * Moves {@code subscription} to the first message published at or after {@code time}: earlier messages count as
     * acknowledged, that one and later ones as not (delivered again even if they were acknowledged). The default
     * throws {@link UnsupportedFeatureException}.
     */
    default void resetCursor(String topic, String subscription, java.time.Instant time) {
        throw new UnsupportedFeatureException("this broker cannot reset the cursor of '" + subscription + "'");
    }

    /**
     * Up to {@code max} of the latest messages of {@code topic}, oldest first, read without a subscription (nothing is
     * delivered or acknowledged). The default throws {@link UnsupportedFeatureException}.
     */
    default List<StoredMessage> peek(String topic, int max) {
        throw new UnsupportedFeatureException("this broker cannot show the messages of '" + topic + "'");
    }
}
