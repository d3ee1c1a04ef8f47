package io.courier.pulsar;

import io.courier.BacklogQuota;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.CourierException;
import io.courier.Headers;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.SubscriptionType;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.spi.AdminFacets;
import io.courier.core.spi.NetworkProblems;
import io.courier.core.spi.TenantNamespaceNaming;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.PulsarAdminException;
import org.apache.pulsar.client.api.AuthenticationFactory;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.common.policies.data.BacklogQuota.BacklogQuotaType;
import org.apache.pulsar.common.policies.data.BacklogQuota.RetentionPolicy;
import org.apache.pulsar.common.policies.data.SubscriptionStats;
import org.apache.pulsar.common.policies.data.TopicStats;

/** {@link BrokerAdmin} over Pulsar's admin REST API; the admin client is created on first use. */
final class PulsarAdminFacade implements AdminFacets.Topics, AdminFacets.Quotas, AdminFacets.Cursors, AdminFacets.Peek {
    private static final Duration POLICY_PROPAGATION = Duration.ofSeconds(30);

    private final String adminUrl;
    private final PulsarOptions options;
    private final String serviceUrl;
    private PulsarAdmin admin;

    PulsarAdminFacade(String adminUrl, PulsarOptions options, String serviceUrl) {
        this.adminUrl = adminUrl;
        this.options = options;
        this.serviceUrl = serviceUrl;
    }

    private synchronized PulsarAdmin admin() {
        if (admin == null) {
            try {
                var b = PulsarAdmin.builder().serviceHttpUrl(adminUrl)
                        .connectionTimeout((int) options.get(PulsarOptions.CONNECTION_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
                        .requestTimeout((int) options.get(PulsarOptions.OPERATION_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
                        .allowTlsInsecureConnection(options.get(PulsarOptions.TLS_ALLOW_INSECURE));
                if (options.get(PulsarOptions.AUTH_TOKEN) != null) {
                    RequestDumpGuard.apply();   // before the HTTP client makes its logger
                    b.authentication(AuthenticationFactory.token(options.get(PulsarOptions.AUTH_TOKEN)));
                }
                if (options.get(PulsarOptions.TLS_TRUST_CERTS) != null) {
                    b.tlsTrustCertsFilePath(options.get(PulsarOptions.TLS_TRUST_CERTS));
                }
                admin = b.build();
            } catch (PulsarClientException e) {
                throw new ConnectException("cannot create a Pulsar admin client for " + adminUrl + ": "
                        + PulsarErrors.of(adminUrl, options).reason(e));
            }
        }
        return admin;
    }

    synchronized void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }

    @Override
    public void ensureTopic(String topic, int partitions) {
        if (partitions < 0) {
            throw new ConfigurationException("partitions must be zero or more, got " + partitions + " for topic '" + topic + "'");
        }
        String full = TenantNamespaceNaming.instance().qualified(topic);
        try {
            int existing = partitionsOf(full);
            if (existing > 0) {
                if (existing != partitions) {
                    throw new ConfigurationException("topic '" + topic + "' already exists with " + existing
                            + " partition(s); cannot make it " + partitions);
                }
                return;
            }
            boolean nonPartitioned = admin().topics().getList(namespaceOf(full)).contains(full);
            if (partitions == 0) {
                if (!nonPartitioned) {
                    admin().topics().createNonPartitionedTopic(full);
                }
            } else if (nonPartitioned) {
                throw new ConfigurationException("topic '" + topic + "' already exists without partitions; cannot make it "
                        + partitions);
            } else {
                admin().topics().createPartitionedTopic(full, partitions);
            }
        } catch (PulsarAdminException.ConflictException e) {
            ensureTopic(topic, partitions);   // created meanwhile: check its shape
        } catch (PulsarAdminException e) {
            throw failure("ensure topic '" + topic + "'", e);
        }
    }

    /** Partitions of a partitioned topic; 0 for a non-partitioned or missing one. */
    private int partitionsOf(String full) throws PulsarAdminException {
        try {
            return admin().topics().getPartitionedTopicMetadata(full).partitions;
        } catch (PulsarAdminException.NotFoundException e) {
            return 0;
        }
    }

    @Override
    public void setBacklogQuota(String topic, BacklogQuota quota) {
        Objects.requireNonNull(quota, "quota");
        String full = TenantNamespaceNaming.instance().qualified(topic);
        ensureTopicExists(topic);
        org.apache.pulsar.common.policies.data.BacklogQuota q = org.apache.pulsar.common.policies.data.BacklogQuota.builder()
                .limitSize(quota.limitBytes()).retentionPolicy(RetentionPolicy.producer_exception).build();
        try {
            admin().topicPolicies().setBacklogQuota(full, q, BacklogQuotaType.destination_storage);
        } catch (PulsarAdminException e) {
            throw failure("set the backlog quota of '" + topic + "'", e);
        }
        // topic policies travel through a system topic: wait until the broker applies them
        awaitPolicy(topic, Optional.of(quota));
    }

    @Override
    public void removeBacklogQuota(String topic) {
        try {
            admin().topicPolicies().removeBacklogQuota(TenantNamespaceNaming.instance().qualified(topic), BacklogQuotaType.destination_storage);
        } catch (PulsarAdminException.NotFoundException e) {
            return;
        } catch (PulsarAdminException e) {
            throw failure("remove the backlog quota of '" + topic + "'", e);
        }
        awaitPolicy(topic, Optional.empty());
    }

    @Override
    public Optional<BacklogQuota> backlogQuota(String topic) {
        try {
            Map<BacklogQuotaType, org.apache.pulsar.common.policies.data.BacklogQuota> map =
                    admin().topicPolicies().getBacklogQuotaMap(TenantNamespaceNaming.instance().qualified(topic));
            org.apache.pulsar.common.policies.data.BacklogQuota q = map.get(BacklogQuotaType.destination_storage);
            return q == null || q.getLimitSize() <= 0 ? Optional.empty() : Optional.of(BacklogQuota.ofBytes(q.getLimitSize()));
        } catch (PulsarAdminException.NotFoundException e) {
            return Optional.empty();
        } catch (PulsarAdminException e) {
            throw failure("read the backlog quota of '" + topic + "'", e);
        }
    }

    @Override
    public long backlog(String topic, String subscription) {
        String full = TenantNamespaceNaming.instance().qualified(topic);
        try {
            int partitions = partitionsOf(full);
            // precise: count messages inside batches, not entries
            TopicStats stats = partitions > 0 ? admin().topics().getPartitionedStats(full, false, true, false, false)
                    : admin().topics().getStats(full, true, false, false);
            SubscriptionStats s = stats.getSubscriptions().get(subscription);
            return s == null ? 0 : s.getMsgBacklog();
        } catch (PulsarAdminException.NotFoundException e) {
            return 0;
        } catch (PulsarAdminException e) {
            throw failure("read the backlog of '" + subscription + "' on '" + topic + "'", e);
        }
    }

    @Override
    public List<TopicInfo> topics() {
        TenantNamespaceNaming naming = TenantNamespaceNaming.instance();
        List<TopicInfo> infos = new ArrayList<>();
        try {
            for (String tenant : admin().tenants().getTenants()) {
                for (String namespace : admin().namespaces().getNamespaces(tenant)) {
                    if (namespace.startsWith("pulsar/") || namespace.equals("public/functions")) {
                        continue;   // Pulsar's own
                    }
                    Set<String> partitioned = new TreeSet<>(admin().topics().getPartitionedTopicList(namespace));
                    Set<String> names = new TreeSet<>(partitioned);
                    for (String t : admin().topics().getList(namespace)) {
                        names.add(naming.baseTopic(t));
                    }
                    for (String full : names) {
                        if (full.substring(full.lastIndexOf('/') + 1).startsWith("__")) {
                            continue;   // system topics (topic policies, transactions)
                        }
                        infos.add(topicInfo(naming.shortName(full), full, partitioned.contains(full)));
                    }
                }
            }
        } catch (PulsarAdminException e) {
            throw failure("list the topics", e);
        }
        infos.sort(Comparator.comparing(TopicInfo::name));
        return infos;
    }

    private TopicInfo topicInfo(String name, String full, boolean partitioned) throws PulsarAdminException {
        int partitions = partitioned ? partitionsOf(full) : 0;
        TopicStats stats;
        try {
            stats = partitioned ? admin().topics().getPartitionedStats(full, false) : admin().topics().getStats(full);
        } catch (PulsarAdminException.NotFoundException e) {
            // listed but not loaded on a broker yet (a partitioned topic nobody used): nothing measured
            return new TopicInfo(name, partitions, OptionalLong.of(0), OptionalDouble.of(0), OptionalDouble.of(0),
                    OptionalLong.of(0));
        }
        return new TopicInfo(name, partitions, OptionalLong.of(stats.getMsgInCounter()),
                OptionalDouble.of(stats.getMsgRateIn()), OptionalDouble.of(stats.getMsgRateOut()),
                OptionalLong.of(stats.getStorageSize()));
    }

    @Override
    public List<SubscriptionInfo> subscriptions(String topic) {
        String full = TenantNamespaceNaming.instance().qualified(topic);
        try {
            int partitions = partitionsOf(full);
            TopicStats stats = partitions > 0 ? admin().topics().getPartitionedStats(full, false, true, false, false)
                    : admin().topics().getStats(full, true, false, false);
            List<SubscriptionInfo> infos = new ArrayList<>();
            stats.getSubscriptions().forEach((name, s) -> infos.add(new SubscriptionInfo(name,
                    s.getConsumers().isEmpty() ? Optional.empty() : typeOf(s.getType()), s.getConsumers().size(),
                    Math.max(0, s.getMsgBacklog()), OptionalLong.of(Math.max(0, s.getUnackedMessages())),
                    OptionalDouble.of(s.getMsgRateRedeliver()))));
            infos.sort(Comparator.comparing(SubscriptionInfo::name));
            return infos;
        } catch (PulsarAdminException.NotFoundException e) {
            return List.of();
        } catch (PulsarAdminException e) {
            throw failure("list the subscriptions of '" + topic + "'", e);
        }
    }

    @Override
    public void skip(String topic, String subscription, long messages) {
        if (messages < 0) {
            throw new ConfigurationException("cannot skip a negative number of messages, got " + messages);
        }
        String full = TenantNamespaceNaming.instance().qualified(topic);
        try {
            if (partitionsOf(full) > 0) {
                throw new UnsupportedFeatureException("pulsar", "skipping N messages of a partitioned topic",
                        "skip " + messages + " of '" + subscription + "' on '" + topic + "'",
                        "skip them all, or reset the cursor to a time: Pulsar keeps one cursor per partition");
            }
            admin().topics().skipMessages(full, subscription, messages);
        } catch (PulsarAdminException e) {
            throw failure("skip " + messages + " message(s) of '" + subscription + "' on '" + topic + "'", e);
        }
    }

    @Override
    public void skipAll(String topic, String subscription) {
        try {
            admin().topics().skipAllMessages(TenantNamespaceNaming.instance().qualified(topic), subscription);
        } catch (PulsarAdminException e) {
            throw failure("skip the backlog of '" + subscription + "' on '" + topic + "'", e);
        }
    }

    @Override
    public void resetCursor(String topic, String subscription, Instant time) {
        Objects.requireNonNull(time, "time");
        try {
            admin().topics().resetCursor(TenantNamespaceNaming.instance().qualified(topic), subscription, time.toEpochMilli());
        } catch (PulsarAdminException e) {
            throw failure("reset the cursor of '" + subscription + "' on '" + topic + "' to " + time, e);
        }
    }

    /**
     * The latest messages of each partition (an admin request each), merged by publish time. Pulsar reads them by
     * stored entry: a batch a producer sent in one entry shows as its first message.
     */
    @Override
    public List<StoredMessage> peek(String topic, int max) {
        if (max < 1) {
            throw new ConfigurationException("peek needs at least 1 message, got " + max);
        }
        String full = TenantNamespaceNaming.instance().qualified(topic);
        List<StoredMessage> found = new ArrayList<>();
        try {
            int partitions = partitionsOf(full);
            List<String> parts = new ArrayList<>();
            if (partitions == 0) {
                parts.add(full);
            }
            for (int i = 0; i < partitions; i++) {
                parts.add(full + "-partition-" + i);
            }
            for (String part : parts) {
                long entries;
                try {
                    entries = admin().topics().getInternalStats(part).numberOfEntries;
                } catch (PulsarAdminException.NotFoundException e) {
                    continue;   // a partition nobody published to yet
                }
                // the broker refuses a position past the entries it keeps
                for (int position = 1; position <= Math.min(max, entries); position++) {
                    org.apache.pulsar.client.api.Message<byte[]> m;
                    try {
                        m = admin().topics().examineMessage(part, "latest", position);
                    } catch (PulsarAdminException.NotFoundException | PulsarAdminException.PreconditionFailedException e) {
                        break;   // fewer messages than asked for (or none yet)
                    }
                    if (m == null) {
                        break;
                    }
                    found.add(new StoredMessage(part, m.getMessageId().toString(),
                            m.hasKey() ? Optional.of(m.getKey()) : Optional.empty(),
                            m.getProperties().isEmpty() ? Headers.empty() : Headers.of(new TreeMap<>(m.getProperties())),
                            m.getData(), Instant.ofEpochMilli(m.getPublishTime()),
                            m.getEventTime() > 0 ? Optional.of(Instant.ofEpochMilli(m.getEventTime())) : Optional.empty()));
                }
            }
        } catch (PulsarAdminException e) {
            throw failure("read the latest messages of '" + topic + "'", e);
        }
        found.sort(Comparator.comparing(StoredMessage::publishTime));
        return found.size() <= max ? found : List.copyOf(found.subList(found.size() - max, found.size()));
    }

    private static Optional<SubscriptionType> typeOf(String pulsarType) {
        if (pulsarType == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SubscriptionType.valueOf(pulsarType.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Creates {@code topic} without partitions unless it exists (partitioned or not). */
    private void ensureTopicExists(String topic) {
        try {
            if (partitionsOf(TenantNamespaceNaming.instance().qualified(topic)) > 0) {
                return;
            }
        } catch (PulsarAdminException e) {
            throw failure("look up topic '" + topic + "'", e);
        }
        ensureTopic(topic, 0);
    }

    private void awaitPolicy(String topic, Optional<BacklogQuota> expected) {
        long deadline = System.nanoTime() + POLICY_PROPAGATION.toNanos();
        while (!backlogQuota(topic).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new CourierException("backlog quota of '" + topic + "' not applied by " + adminUrl + " within "
                        + POLICY_PROPAGATION);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private static String namespaceOf(String fullTopic) {
        String rest = fullTopic.substring(fullTopic.indexOf("://") + 3);
        return rest.substring(0, rest.lastIndexOf('/'));
    }

    private CourierException failure(String what, PulsarAdminException e) {
        String reason = PulsarErrors.of(adminUrl, options).reason(e);
        if (e.getStatusCode() == 401 || e.getStatusCode() == 403) {
            return new ConnectException("cannot " + what + " on " + adminUrl + ": not authorized (" + reason + ")");
        }
        String network = NetworkProblems.describe(e);
        if (network != null) {
            return new ConnectException("cannot " + what + ": Pulsar's admin API at " + adminUrl + " did not answer ("
                    + network + "); give its address with the adminUrl option: " + serviceUrl
                    + "?adminUrl=http://HOST:PORT, or the property adminUrl", e);
        }
        return new CourierException("cannot " + what + " on " + adminUrl + " (" + serviceUrl + "): " + reason, e);
    }
}
