package io.courier.kafka;

import io.courier.BacklogQuota;
import io.courier.core.spi.AdminFacets;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.SubscriptionType;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Topics and consumer-group lag through Kafka's admin client. A subscription's backlog is its consumer group's lag:
 * the end offset of each partition less the group's committed offset (less the log start where nothing is committed
 * yet). Kafka has no backlog quotas: setting one is refused with {@link UnsupportedFeatureException}. Thread-safe.
 */
final class KafkaAdmin implements AdminFacets.Topics, AdminFacets.Cursors, AdminFacets.Peek {
    private final Admin admin;
    private final KafkaSettings settings;
    private final String url;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final KafkaCursors cursors;

    KafkaAdmin(Admin admin, KafkaSettings settings, String url) {
        this.admin = admin;
        this.settings = settings;
        this.url = url;
        this.cursors = new KafkaCursors(admin, settings, url, this);
    }

    @Override
    public void ensureTopic(String topic, int partitions) {
        int wanted = Math.max(1, partitions);
        Integer existing = partitionCount(topic);
        if (existing == null) {
            if (create(topic, wanted)) {
                return;
            }
            existing = partitionCount(topic);
        }
        if (existing != null && existing != wanted) {
            throw new ConfigurationException("topic '" + topic + "' on " + url + " exists with " + existing
                    + " partition(s), not " + wanted);
        }
    }

    /** Creates {@code topic} with the configured partitions when it does not exist yet. */
    void createIfMissing(String topic) {
        if (known.contains(topic)) {
            return;
        }
        if (partitionCount(topic) == null) {
            create(topic, settings.get(KafkaSettings.PARTITIONS).intValue());
        }
        known.add(topic);
    }

    /** True when this call created it; false when it existed already. */
    private boolean create(String topic, int partitions) {
        try {
            await(admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all(),
                    "create topic '" + topic + "'");
            known.add(topic);
            return true;
        } catch (KafkaCallException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }

    /** Partitions of {@code topic}; null when it does not exist. */
    Integer partitionCount(String topic) {
        try {
            Map<String, TopicDescription> d = await(admin.describeTopics(List.of(topic)).allTopicNames(),
                    "describe topic '" + topic + "'");
            return d.get(topic).partitions().size();
        } catch (KafkaCallException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Makes subscription {@code group} exist on {@code topic} now, as on Pulsar: every partition without a committed
     * offset gets the starting one (the end for LATEST, the start for EARLIEST). Without this a member that receives
     * its partitions some time after subscribing (Kafka assigns them asynchronously) would start LATEST from the end
     * at that later moment and skip what was published in between. Nothing is changed for partitions that have an
     * offset, nor while other members run (they commit their starting positions themselves when assigned).
     */
    void createSubscription(String group, String topic, boolean earliest) {
        Integer partitions = partitionCount(topic);
        if (partitions == null) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                    "read the offsets of subscription '" + group + "'");
        } catch (KafkaCallException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw e;
            }
            committed = Map.of();
        }
        Map<TopicPartition, OffsetSpec> missing = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            TopicPartition tp = new TopicPartition(topic, i);
            if (committed.get(tp) == null) {
                missing.put(tp, earliest ? OffsetSpec.earliest() : OffsetSpec.latest());
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = await(admin.listOffsets(missing).all(),
                "read the offsets of '" + topic + "'");
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        starts.forEach((tp, info) -> start.put(tp, new OffsetAndMetadata(info.offset())));
        try {
            await(admin.alterConsumerGroupOffsets(group, start).all(), "create subscription '" + group + "'");
        } catch (KafkaCallException e) {
            // the group has running members: they set their starting positions when partitions reach them
        }
    }

    /**
     * The share-group counterpart of {@link #createSubscription}: partitions of {@code topic} the share group has no
     * start offset for get the end (LATEST) or the start (EARLIEST), so that the subscription exists from now on.
     * Ignored while the group has members (they already read the topic).
     */
    void createShareSubscription(String group, String topic, boolean earliest) {
        Integer partitions = partitionCount(topic);
        if (partitions == null) {
            return;
        }
        if (earliest) {
            // where the offsets below cannot be set (the group already has members reading other topics), a share
            // partition starts where the group's share.auto.offset.reset says when a member first reads it
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            await(admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET)))).all(),
                    "start share group '" + group + "' at the earliest offsets");
        }
        Map<TopicPartition, SharePartitionOffsetInfo> known;
        try {
            known = await(admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(group), "read the offsets of share group '" + group + "'");
        } catch (KafkaCallException e) {
            known = Map.of();
        }
        Map<TopicPartition, OffsetSpec> missing = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            TopicPartition tp = new TopicPartition(topic, i);
            if (known == null || known.get(tp) == null) {
                missing.put(tp, earliest ? OffsetSpec.earliest() : OffsetSpec.latest());
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = await(admin.listOffsets(missing).all(),
                "read the offsets of '" + topic + "'");
        Map<TopicPartition, Long> start = new HashMap<>();
        starts.forEach((tp, info) -> start.put(tp, info.offset()));
        try {
            await(admin.alterShareGroupOffsets(group, start).all(), "create share subscription '" + group + "'");
        } catch (KafkaCallException e) {
            // the group has members reading already, or is a consumer group (the broker then refuses the member)
        }
    }

    /** Lag of share group {@code group} on {@code topic}, or -1 when it is not a share group reading it. */
    private long shareLag(String group, String topic, int partitions) {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets;
        try {
            offsets = await(admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(group), "read the offsets of share group '" + group + "'");
        } catch (KafkaCallException e) {
            return -1;
        }
        if (offsets == null || offsets.keySet().stream().noneMatch(tp -> tp.topic().equals(topic))) {
            return -1;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = await(admin.listOffsets(latest).all(),
                "read the end offsets of '" + topic + "'");
        long lag = 0;
        for (TopicPartition tp : latest.keySet()) {
            SharePartitionOffsetInfo info = offsets.get(tp);
            if (info != null) {
                // the broker's own count of records not yet acknowledged, where it gives one
                lag += info.lag().orElse(Math.max(0, ends.get(tp).offset() - info.startOffset()));
            }
        }
        return lag;
    }

    /**
     * Waits until consumer group {@code group} has the member whose client id is {@code clientId} and every member owns exactly its target
     * assignment (Kafka moves partitions to a new member only after their old owner gave them up). False when that
     * did not happen within {@code timeout}.
     */
    boolean awaitSettled(String group, String clientId, Duration timeout) {
        return pollUntil(timeout, () -> {
            ConsumerGroupDescription g = await(admin.describeConsumerGroups(List.of(group)).all(),
                    "describe consumer group '" + group + "'").get(group);
            return g != null && settled(g, clientId);
        });
    }

    /** Asks {@code condition} every 50 ms until it holds (true) or {@code timeout} has passed (false). */
    private static boolean pollUntil(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return true;
    }

    /**
     * Settled: the coordinator has computed the target assignment of the group's latest epoch, and every member is at
     * that epoch owning exactly its target (a member that joined a moment ago moves the epoch on, so checking
     * assignments alone could pass before its share was even computed).
     */
    private static boolean settled(ConsumerGroupDescription g, String clientId) {
        Optional<Integer> epoch = g.groupEpoch();
        if (epoch.isEmpty() || !epoch.equals(g.targetAssignmentEpoch())) {
            return false;
        }
        boolean present = false;
        for (MemberDescription m : g.members()) {
            present |= m.clientId().equals(clientId);
            if (!m.memberEpoch().equals(epoch) || !m.targetAssignment().map(m.assignment()::equals).orElse(false)) {
                return false;
            }
        }
        return present;
    }

    /**
     * Waits until the share-group member whose client id is {@code clientId} has partitions of {@code topic} assigned
     * (a share group assigns them at the member's heartbeat, after {@code subscribe} was called). False when that did
     * not happen within {@code timeout}.
     */
    boolean awaitShareAssignment(String group, String clientId, String topic, Duration timeout) {
        return pollUntil(timeout, () -> {
            ShareGroupDescription g;
            try {
                g = await(admin.describeShareGroups(List.of(group)).all(), "describe share group '" + group + "'").get(group);
            } catch (KafkaCallException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    return false;   // the coordinator makes the group at the member's first heartbeat: not yet
                }
                throw e;
            }
            return g != null && g.members().stream().anyMatch(m -> m.clientId().equals(clientId)
                    && m.assignment().topicPartitions().stream().anyMatch(tp -> tp.topic().equals(topic)));
        });
    }

    /** Members of consumer group {@code group} now; 0 when it does not exist. */
    int activeMembers(String group) {
        try {
            Map<String, ConsumerGroupDescription> d = await(admin.describeConsumerGroups(List.of(group)).all(),
                    "describe consumer group '" + group + "'");
            ConsumerGroupDescription g = d.get(group);
            return g == null ? 0 : g.members().size();
        } catch (KafkaCallException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    @Override
    public long backlog(String topic, String subscription) {
        Integer shape = partitionCount(topic);
        if (shape == null) {
            return 0;
        }
        long shared = shareLag(subscription, topic, shape);
        if (shared >= 0) {
            return shared;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = await(admin.listConsumerGroupOffsets(subscription).partitionsToOffsetAndMetadata(),
                    "read the offsets of subscription '" + subscription + "'");
        } catch (KafkaCallException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
        Integer partitions = partitionCount(topic);
        if (partitions == null) {
            return 0;
        }
        boolean groupKnowsTopic = committed.keySet().stream().anyMatch(tp -> tp.topic().equals(topic));
        if (!groupKnowsTopic && activeMembers(subscription) == 0) {
            return 0;   // no such subscription on this topic
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            earliest.put(new TopicPartition(topic, i), OffsetSpec.earliest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = await(admin.listOffsets(latest).all(),
                "read the end offsets of '" + topic + "'");
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = await(admin.listOffsets(earliest).all(),
                "read the start offsets of '" + topic + "'");
        long lag = 0;
        for (TopicPartition tp : latest.keySet()) {
            OffsetAndMetadata c = committed.get(tp);
            long from = c != null ? c.offset() : starts.get(tp).offset();
            lag += Math.max(0, ends.get(tp).offset() - from);
        }
        return lag;
    }

    @Override
    public List<TopicInfo> topics() {
        Set<String> names = await(admin.listTopics().names(), "list the topics");
        Map<String, TopicDescription> described = names.isEmpty() ? Map.of()
                : await(admin.describeTopics(names).allTopicNames(), "describe the topics");
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> {
            latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
        }));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : await(admin.listOffsets(latest).all(), "read the end offsets of the topics");
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                : await(admin.listOffsets(earliest).all(), "read the start offsets of the topics");
        Map<String, Long> kept = new HashMap<>();
        ends.forEach((tp, end) -> kept.merge(tp.topic(), Math.max(0, end.offset() - starts.get(tp).offset()), Long::sum));
        List<TopicInfo> infos = new ArrayList<>();
        for (TopicDescription d : described.values()) {
            infos.add(new TopicInfo(d.name(), d.partitions().size(), OptionalLong.of(kept.getOrDefault(d.name(), 0L)),
                    OptionalDouble.empty(), OptionalDouble.empty(), OptionalLong.empty()));
        }
        infos.sort(Comparator.comparing(TopicInfo::name));
        return infos;
    }

    /**
     * The consumer groups and share groups that have read {@code topic} (an offset committed on it) or have a member
     * assigned one of its partitions now.
     */
    @Override
    public List<SubscriptionInfo> subscriptions(String topic) {
        Integer partitions = partitionCount(topic);
        if (partitions == null) {
            return List.of();
        }
        List<SubscriptionInfo> infos = new ArrayList<>();
        for (GroupListing g : await(admin.listGroups().all(), "list the groups")) {
            GroupType type = g.type().orElse(GroupType.UNKNOWN);
            if (type == GroupType.SHARE) {
                ShareGroupDescription d = await(admin.describeShareGroups(List.of(g.groupId())).all(),
                        "describe share group '" + g.groupId() + "'").get(g.groupId());
                long lag = shareLag(g.groupId(), topic, partitions);
                int members = d == null ? 0 : (int) d.members().stream().filter(m -> m.assignment().topicPartitions()
                        .stream().anyMatch(tp -> tp.topic().equals(topic))).count();
                if (lag >= 0 || members > 0) {
                    infos.add(new SubscriptionInfo(g.groupId(), Optional.of(SubscriptionType.SHARED), members,
                            Math.max(0, lag), OptionalLong.empty(), OptionalDouble.empty()));
                }
            } else if (type == GroupType.CONSUMER || type == GroupType.CLASSIC) {
                Map<TopicPartition, OffsetAndMetadata> committed = await(admin.listConsumerGroupOffsets(g.groupId())
                        .partitionsToOffsetAndMetadata(), "read the offsets of subscription '" + g.groupId() + "'");
                ConsumerGroupDescription d = await(admin.describeConsumerGroups(List.of(g.groupId())).all(),
                        "describe consumer group '" + g.groupId() + "'").get(g.groupId());
                int members = d == null ? 0 : (int) d.members().stream().filter(m -> m.assignment().topicPartitions()
                        .stream().anyMatch(tp -> tp.topic().equals(topic))).count();
                if (members > 0 || committed.keySet().stream().anyMatch(tp -> tp.topic().equals(topic))) {
                    infos.add(new SubscriptionInfo(g.groupId(), Optional.empty(), members, backlog(topic, g.groupId()),
                            OptionalLong.empty(), OptionalDouble.empty()));
                }
            }
        }
        infos.sort(Comparator.comparing(SubscriptionInfo::name));
        return infos;
    }

    /** Skipping N is refused where the topic has several partitions: Kafka keeps one offset per partition. */
    @Override
    public void skip(String topic, String subscription, long messages) {
        cursors.skip(topic, subscription, messages);
    }

    @Override
    public void skipAll(String topic, String subscription) {
        cursors.skipAll(topic, subscription);
    }

    @Override
    public void resetCursor(String topic, String subscription, java.time.Instant time) {
        cursors.resetCursor(topic, subscription, time);
    }

    /** The latest records of every partition through a consumer of no group (nothing committed), merged by time. */
    @Override
    public List<StoredMessage> peek(String topic, int max) {
        return cursors.peek(topic, max);
    }

    <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(settings.get(KafkaSettings.API_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaCallException("cannot " + what + " on " + url + ": "
                    + KafkaErrors.of(url, settings).reason(e.getCause()), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KafkaCallException("cannot " + what + " on " + url + ": no answer within "
                    + settings.get(KafkaSettings.API_TIMEOUT).toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaCallException("interrupted while trying to " + what, e);
        }
    }

    /** An admin call that failed; the cause is the Kafka error. */
    static final class KafkaCallException extends CourierException {
        KafkaCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
