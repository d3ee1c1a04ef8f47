package io.courier.core.kit;

import io.courier.BacklogQuota;
import io.courier.BrokerAdmin;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.spi.AdminFacets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A {@link BrokerAdmin} made of the {@link AdminFacets} a backend has: each call goes to its facet, and a call whose
 * facet the backend left out is refused with an {@link UnsupportedFeatureException} naming the backend and what to do
 * instead. Thread-safe when its facets are.
 */
public final class FacetedAdmin implements BrokerAdmin {
    private final String backend;
    private final AdminFacets.Topics topics;
    private final AdminFacets.Quotas quotas;
    private final AdminFacets.Cursors cursors;
    private final AdminFacets.Peek peek;
    private final String quotasInstead;
    private final String peekInstead;

    private FacetedAdmin(Builder b) {
        this.backend = b.backend;
        this.topics = b.topics;
        this.quotas = b.quotas;
        this.cursors = b.cursors;
        this.peek = b.peek;
        this.quotasInstead = b.quotasInstead;
        this.peekInstead = b.peekInstead;
    }

    /** An admin of the backend named {@code backend} (its URL scheme); every facet missing until given. */
    public static Builder builder(String backend) {
        return new Builder(backend);
    }

    private <F> F need(F facet, String feature, String use, String instead) {
        if (facet == null) {
            throw new UnsupportedFeatureException(backend, feature, use, instead);
        }
        return facet;
    }

    private AdminFacets.Topics topics(String use) {
        return need(topics, "topic administration", use, "use the broker's own tools");
    }

    private AdminFacets.Quotas quotas(String use) {
        return need(quotas, "BACKLOG_QUOTA", use, quotasInstead);
    }

    private AdminFacets.Cursors cursors(String use) {
        return need(cursors, "moving a subscription's cursor", use, "use the broker's own tools");
    }

    @Override
    public void ensureTopic(String topic, int partitions) {
        topics("ensure topic '" + topic + "'").ensureTopic(topic, partitions);
    }

    @Override
    public List<TopicInfo> topics() {
        return topics("list the topics").topics();
    }

    @Override
    public List<SubscriptionInfo> subscriptions(String topic) {
        return topics("list the subscriptions of '" + topic + "'").subscriptions(topic);
    }

    @Override
    public long backlog(String topic, String subscription) {
        return topics("read the backlog of '" + subscription + "' on '" + topic + "'").backlog(topic, subscription);
    }

    @Override
    public void setBacklogQuota(String topic, BacklogQuota quota) {
        quotas("set a backlog quota on '" + topic + "'").setBacklogQuota(topic, quota);
    }

    @Override
    public void removeBacklogQuota(String topic) {
        quotas("remove the backlog quota of '" + topic + "'").removeBacklogQuota(topic);
    }

    @Override
    public Optional<BacklogQuota> backlogQuota(String topic) {
        return quotas("read the backlog quota of '" + topic + "'").backlogQuota(topic);
    }

    @Override
    public void skip(String topic, String subscription, long messages) {
        cursors("skip messages of '" + subscription + "'").skip(topic, subscription, messages);
    }

    @Override
    public void skipAll(String topic, String subscription) {
        cursors("skip the backlog of '" + subscription + "'").skipAll(topic, subscription);
    }

    @Override
    public void resetCursor(String topic, String subscription, Instant time) {
        cursors("reset the cursor of '" + subscription + "'").resetCursor(topic, subscription, time);
    }

    @Override
    public List<StoredMessage> peek(String topic, int max) {
        return need(peek, "reading messages without a subscription", "peek at '" + topic + "'", peekInstead)
                .peek(topic, max);
    }

    /** Names the facets a backend has; not thread-safe. */
    public static final class Builder {
        private final String backend;
        private AdminFacets.Topics topics;
        private AdminFacets.Quotas quotas;
        private AdminFacets.Cursors cursors;
        private AdminFacets.Peek peek;
        private String quotasInstead = "bound the topic by the broker's retention instead";
        private String peekInstead = "subscribe with a new subscription from EARLIEST and leave it unacknowledged";

        private Builder(String backend) {
            this.backend = backend;
        }

        public Builder topics(AdminFacets.Topics facet) {
            this.topics = facet;
            return this;
        }

        public Builder quotas(AdminFacets.Quotas facet) {
            this.quotas = facet;
            return this;
        }

        /** No backlog quotas on this backend; {@code instead} tells the user what to use. */
        public Builder withoutQuotas(String instead) {
            this.quotasInstead = instead;
            return this;
        }

        public Builder cursors(AdminFacets.Cursors facet) {
            this.cursors = facet;
            return this;
        }

        public Builder peek(AdminFacets.Peek facet) {
            this.peek = facet;
            return this;
        }

        /** No peeking on this backend; {@code instead} tells the user what to use. */
        public Builder withoutPeek(String instead) {
            this.peekInstead = instead;
            return this;
        }

        public FacetedAdmin build() {
            return new FacetedAdmin(this);
        }
    }
}
