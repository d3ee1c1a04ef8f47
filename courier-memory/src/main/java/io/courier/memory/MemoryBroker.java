package io.courier.memory;

import io.courier.BacklogQuota;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.MessageId;
import io.courier.StoredMessage;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionInfo;
import io.courier.SubscriptionType;
import io.courier.TopicInfo;
import io.courier.core.kit.AbstractBroker;
import io.courier.core.kit.FacetedAdmin;
import io.courier.core.spi.AdminFacets;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import io.courier.core.spi.TenantNamespaceNaming;
import io.courier.core.spi.TopicNaming;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A client of a {@link MemoryCluster}. Publishing is synchronous under the topic's lock; the future is complete. */
final class MemoryBroker extends AbstractBroker {
    private final MemoryCluster cluster;
    private final Set<MemoryConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final BrokerAdmin admin;
    private final Capabilities capabilities;

    MemoryBroker(String url, BrokerOptions options, MemoryCluster cluster) {
        super(url, options);
        this.cluster = cluster;
        this.capabilities = capabilitiesOf(cluster.settings);
        Admin facets = new Admin();
        this.admin = FacetedAdmin.builder("memory").topics(facets).quotas(facets).cursors(facets).peek(facets).build();
    }

    @Override
    protected CompletableFuture<MessageId> send(OutboundMessage message) {
        try {
            return CompletableFuture.completedFuture(cluster.topic(message.topic()).publish(message));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    protected CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        return cluster.responders.exchange(request, url());
    }

    @Override
    protected Runnable listen(String topic, String group, RequestSink sink) {
        return cluster.responders.listen(topic, group, sink);
    }

    @Override
    protected RawConsumer openConsumer(SubscribeOptions options) {
        MemoryConsumer consumer = new MemoryConsumer(options, cluster);
        consumer.open();
        consumers.add(consumer);
        return new RawConsumer() {
            @Override
            public io.courier.core.spi.RawMessage receive(long timeout, java.util.concurrent.TimeUnit unit)
                    throws InterruptedException {
                return consumer.receive(timeout, unit);
            }

            @Override
            public void ack(io.courier.core.spi.RawMessage message) {
                consumer.ack(message);
            }

            @Override
            public void nack(io.courier.core.spi.RawMessage message) {
                consumer.nack(message);
            }

            @Override
            public void close() {
                consumer.close();
                consumers.remove(consumer);
            }
        };
    }

    @Override
    protected void closeBackend(Duration timeout) {
        for (MemoryConsumer c : consumers) {
            c.close();
        }
        consumers.clear();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    private static Capabilities capabilitiesOf(MemorySettings settings) {
        return Capabilities.builder("memory")
                .delayedDeliveryTypes(SubscriptionType.SHARED, SubscriptionType.KEY_SHARED)
                .note(Capability.DELAYED_DELIVERY, "honoured on SHARED and KEY_SHARED subscriptions; EXCLUSIVE and "
                        + "FAILOVER ones receive delayed messages at once, as on Pulsar")
                .maxPayloadBytes(settings.maxMessageBytes())
                .without(Capability.LARGE_PAYLOADS, "raise maxMessageBytes in the URL (memory://name?maxMessageBytes=N)")
                .without(Capability.TRANSACTIONS, "make handlers idempotent (at-least-once delivery) instead")
                .build();
    }

    @Override
    protected TopicNaming naming() {
        return TenantNamespaceNaming.instance();
    }

    @Override
    public BrokerAdmin admin() {
        return admin;
    }

    private final class Admin implements AdminFacets.Topics, AdminFacets.Quotas, AdminFacets.Cursors, AdminFacets.Peek {
        @Override
        public void ensureTopic(String topic, int partitions) {
            cluster.ensurePartitions(topic, partitions);
        }

        @Override
        public void setBacklogQuota(String topic, BacklogQuota quota) {
            java.util.Objects.requireNonNull(quota, "quota");
            cluster.topic(topic).setQuota(quota);
        }

        @Override
        public void removeBacklogQuota(String topic) {
            MemoryTopic t = cluster.existingTopic(topic);
            if (t != null) {
                t.setQuota(null);
            }
        }

        @Override
        public Optional<BacklogQuota> backlogQuota(String topic) {
            MemoryTopic t = cluster.existingTopic(topic);
            return t == null ? Optional.empty() : Optional.ofNullable(t.quota());
        }

        @Override
        public long backlog(String topic, String subscription) {
            MemoryTopic t = cluster.existingTopic(topic);
            return t == null ? 0 : t.backlog(subscription);
        }

        @Override
        public List<TopicInfo> topics() {
            List<TopicInfo> infos = new ArrayList<>();
            for (MemoryTopic t : cluster.topics()) {
                long[] figures = t.publishedAndStoredBytes();
                infos.add(new TopicInfo(TenantNamespaceNaming.instance().shortName(t.name), cluster.partitionsOf(t.name),
                        OptionalLong.of(figures[0]), OptionalDouble.empty(), OptionalDouble.empty(),
                        OptionalLong.of(figures[1])));
            }
            infos.sort(Comparator.comparing(TopicInfo::name));
            return infos;
        }

        @Override
        public List<SubscriptionInfo> subscriptions(String topic) {
            MemoryTopic t = cluster.existingTopic(topic);
            return t == null ? List.of() : t.subscriptionInfos();
        }

        @Override
        public void skip(String topic, String subscription, long messages) {
            if (messages < 0) {
                throw new ConfigurationException("cannot skip a negative number of messages, got " + messages);
            }
            existing(topic).skip(subscription, messages);
        }

        @Override
        public void skipAll(String topic, String subscription) {
            existing(topic).skipAll(subscription);
        }

        @Override
        public void resetCursor(String topic, String subscription, Instant time) {
            existing(topic).resetCursor(subscription, Objects.requireNonNull(time, "time"));
        }

        @Override
        public List<StoredMessage> peek(String topic, int max) {
            if (max < 1) {
                throw new ConfigurationException("peek needs at least 1 message, got " + max);
            }
            MemoryTopic t = cluster.existingTopic(topic);
            return t == null ? List.of() : t.peek(max);
        }

        private MemoryTopic existing(String topic) {
            MemoryTopic t = cluster.existingTopic(topic);
            if (t == null) {
                throw new CourierException("no topic '" + topic + "' on " + url());
            }
            return t;
        }
    }
}
