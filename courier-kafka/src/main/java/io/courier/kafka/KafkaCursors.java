package io.courier.kafka;

import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.StoredMessage;
import io.courier.UnsupportedFeatureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;

/**
 * Moving a subscription (skip, skip all, reset to a time) and reading a topic's latest records without one, for
 * {@link KafkaAdmin}. A subscription is a consumer group or a share group; Kafka moves either only while it has no
 * member connected. Thread-safe.
 */
final class KafkaCursors {
    private final Admin admin;
    private final KafkaSettings settings;
    private final String url;
    private final KafkaAdmin owner;

    KafkaCursors(Admin admin, KafkaSettings settings, String url, KafkaAdmin owner) {
        this.admin = admin;
        this.settings = settings;
        this.url = url;
        this.owner = owner;
    }

    /** Refused where the topic has several partitions: Kafka keeps one offset per partition. */
    void skip(String topic, String subscription, long messages) {
        if (messages < 0) {
            throw new ConfigurationException("cannot skip a negative number of messages, got " + messages);
        }
        int partitions = requirePartitions(topic);
        if (partitions > 1) {
            throw new UnsupportedFeatureException("kafka", "skipping N messages of a topic with several partitions",
                    "skip " + messages + " of '" + subscription + "' on '" + topic + "'",
                    "skip them all, or reset the cursor to a time: Kafka keeps one offset per partition");
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        long end = offsets(Map.of(tp, OffsetSpec.latest())).get(tp);
        long from = position(subscription, tp);
        moveTo(subscription, Map.of(tp, Math.min(end, from + messages)));
    }

    void skipAll(String topic, String subscription) {
        moveTo(subscription, offsets(specs(topic, requirePartitions(topic), OffsetSpec.latest())));
    }

    void resetCursor(String topic, String subscription, java.time.Instant time) {
        int partitions = requirePartitions(topic);
        Map<TopicPartition, Long> at = offsets(specs(topic, partitions, OffsetSpec.forTimestamp(time.toEpochMilli())));
        Map<TopicPartition, Long> ends = offsets(specs(topic, partitions, OffsetSpec.latest()));
        Map<TopicPartition, Long> target = new HashMap<>();
        // no record at or after the time in a partition: its position is the end
        at.forEach((tp, offset) -> target.put(tp, offset < 0 ? ends.get(tp) : offset));
        moveTo(subscription, target);
    }

    /**
     * The latest records of every partition through a consumer of no group (nothing committed), merged by time.
     */
    List<StoredMessage> peek(String topic, int max) {
        if (max < 1) {
            throw new ConfigurationException("peek needs at least 1 message, got " + max);
        }
        Integer partitions = owner.partitionCount(topic);
        if (partitions == null) {
            return List.of();
        }
        Map<TopicPartition, Long> starts = offsets(specs(topic, partitions, OffsetSpec.earliest()));
        Map<TopicPartition, Long> ends = offsets(specs(topic, partitions, OffsetSpec.latest()));
        java.util.Properties p = settings.common("courier-peek-" + java.util.UUID.randomUUID());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<StoredMessage> found = new ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> wanted = new ArrayList<>();
            for (TopicPartition tp : ends.keySet()) {
                if (ends.get(tp) > starts.get(tp)) {
                    wanted.add(tp);
                }
            }
            c.assign(wanted);
            for (TopicPartition tp : wanted) {
                c.seek(tp, Math.max(starts.get(tp), ends.get(tp) - max));
            }
            long deadline = System.nanoTime() + settings.get(KafkaSettings.API_TIMEOUT).toNanos();
            while (wanted.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
                        var raw = KafkaRecords.toRaw(r, 0);
                        found.add(new StoredMessage(raw.topic(), raw.id().value(), Optional.ofNullable(raw.key()),
                                raw.headers(), raw.payload(), raw.publishTime(), Optional.ofNullable(raw.eventTime())));
                    }
                }
            }
        }
        found.sort(Comparator.comparing(StoredMessage::publishTime));
        return found.size() <= max ? found : List.copyOf(found.subList(found.size() - max, found.size()));
    }

    private int requirePartitions(String topic) {
        Integer partitions = owner.partitionCount(topic);
        if (partitions == null) {
            throw new CourierException("no topic '" + topic + "' on " + url);
        }
        return partitions;
    }

    private static Map<TopicPartition, OffsetSpec> specs(String topic, int partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> m = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            m.put(new TopicPartition(topic, i), spec);
        }
        return m;
    }

    private Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetSpec> specs) {
        Map<TopicPartition, Long> out = new HashMap<>();
        owner.await(admin.listOffsets(specs).all(), "read the offsets of " + specs.keySet())
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Where {@code group} stands on {@code tp}: its committed offset, or the log start when it has none. */
    private long position(String group, TopicPartition tp) {
        if (isShareGroup(group)) {
            Map<TopicPartition, SharePartitionOffsetInfo> known = owner.await(admin.listShareGroupOffsets(
                    Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group), "read the offsets of '" + group + "'");
            SharePartitionOffsetInfo info = known == null ? null : known.get(tp);
            if (info != null) {
                return info.startOffset();
            }
        } else {
            OffsetAndMetadata c = owner.await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                    "read the offsets of '" + group + "'").get(tp);
            if (c != null) {
                return c.offset();
            }
        }
        return offsets(Map.of(tp, OffsetSpec.earliest())).get(tp);
    }

    private boolean isShareGroup(String group) {
        for (GroupListing g : owner.await(admin.listGroups().all(), "list the groups")) {
            if (g.groupId().equals(group)) {
                return g.type().orElse(GroupType.UNKNOWN) == GroupType.SHARE;
            }
        }
        throw new CourierException("no subscription '" + group + "' on " + url);
    }

    /** Sets the group's offsets; Kafka accepts that only while the group has no member connected. */
    private void moveTo(String group, Map<TopicPartition, Long> target) {
        String what = "move subscription '" + group + "' to " + target;
        try {
            if (isShareGroup(group)) {
                owner.await(admin.alterShareGroupOffsets(group, target).all(), what);
            } else {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                target.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
                owner.await(admin.alterConsumerGroupOffsets(group, offsets).all(), what);
            }
        } catch (KafkaAdmin.KafkaCallException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownMemberIdException
                    || e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException) {
                throw new CourierException("cannot " + what + " on " + url + ": its consumers are connected; Kafka moves a "
                        + "subscription only while none is (stop them first)", e);
            }
            throw e;
        }
    }
}
