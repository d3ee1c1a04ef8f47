package io.courier.core.spi;

import io.courier.BacklogQuota;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.TopicInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The parts of {@link io.courier.BrokerAdmin} a backend can have, each on its own: a backend implements the facets
 * its broker has and composes them with {@code io.courier.core.kit.FacetedAdmin}, which refuses the others with an
 * {@link io.courier.UnsupportedFeatureException} naming the backend. Implementations are thread-safe.
 */
public final class AdminFacets {
    private AdminFacets() {
    }

    /** Topics and subscriptions: creating topics, listing both, counting a subscription's backlog. */
    public interface Topics {
        /** See {@link io.courier.BrokerAdmin#ensureTopic}. */
        void ensureTopic(String topic, int partitions);

        /** See {@link io.courier.BrokerAdmin#topics()}. */
        List<TopicInfo> topics();

        /** See {@link io.courier.BrokerAdmin#subscriptions(String)}. */
        List<SubscriptionInfo> subscriptions(String topic);

        /** See {@link io.courier.BrokerAdmin#backlog(String, String)}. */
        long backlog(String topic, String subscription);
    }

    /** Backlog quotas: publishing refused while a topic's backlog is over a limit. */
    public interface Quotas {
        void setBacklogQuota(String topic, BacklogQuota quota);

        void removeBacklogQuota(String topic);

        Optional<BacklogQuota> backlogQuota(String topic);
    }

    /** Moving a subscription's position: skipping messages, resetting to a time. */
    public interface Cursors {
        void skip(String topic, String subscription, long messages);

        void skipAll(String topic, String subscription);

        void resetCursor(String topic, String subscription, Instant time);
    }

    /** Reading the latest messages of a topic without a subscription. */
    public interface Peek {
        List<StoredMessage> peek(String topic, int max);
    }
}
