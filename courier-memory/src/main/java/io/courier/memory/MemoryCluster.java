package io.courier.memory;

import io.courier.ConfigurationException;
import io.courier.core.spi.TenantNamespaceNaming;
import io.courier.core.spi.Timers;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The in-process "server" that memory brokers of one name share: topics by full name, partition metadata, and a
 * timer for delayed and handed-back messages. Topics are independent: each has its own lock, so there is no global
 * lock on the publish or delivery path.
 */
final class MemoryCluster {
    private static final Map<String, MemoryCluster> CLUSTERS = new ConcurrentHashMap<>();

    final MemorySettings settings;
    final ScheduledExecutorService timer;
    final MemoryResponders responders = new MemoryResponders();
    private static final int MAX_GIVEN_NAMES = 10_000;
    private final Map<String, MemoryTopic> topics = new ConcurrentHashMap<>();
    /** Topics by the names publishers used ({@code orders}, {@code public/default/orders}); topics are never removed. */
    private final Map<String, MemoryTopic> byGivenName = new ConcurrentHashMap<>();
    private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
    private final List<MemoryConsumer> patternConsumers = new CopyOnWriteArrayList<>();

    private MemoryCluster(MemorySettings settings) {
        this.settings = settings;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, Timers.daemonThreads("courier-memory-" + settings.name()));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    static MemoryCluster named(MemorySettings settings) {
        return CLUSTERS.computeIfAbsent(settings.name(), n -> new MemoryCluster(settings));
    }

    MemoryTopic topic(String name) {
        // every publish looks its topic up by the name it was given: skip qualifying a name seen before
        MemoryTopic known = byGivenName.get(name);
        if (known != null) {
            return known;
        }
        MemoryTopic topic = topicByFullName(TenantNamespaceNaming.instance().qualified(name));
        if (byGivenName.size() < MAX_GIVEN_NAMES) {
            byGivenName.putIfAbsent(name, topic);
        }
        return topic;
    }

    private MemoryTopic topicByFullName(String full) {
        MemoryTopic existing = topics.get(full);
        if (existing != null) {
            return existing;
        }
        boolean[] created = new boolean[1];
        MemoryTopic topic = topics.computeIfAbsent(full, n -> {
            created[0] = true;
            return new MemoryTopic(n, this);
        });
        if (created[0]) {
            for (MemoryConsumer c : patternConsumers) {
                c.topicCreated(topic);
            }
        }
        return topic;
    }

    MemoryTopic existingTopic(String name) {
        return topics.get(TenantNamespaceNaming.instance().qualified(name));
    }

    List<MemoryTopic> topics() {
        return List.copyOf(topics.values());
    }

    /** Partitions {@code ensurePartitions} gave the topic of this full name; 0 when none were asked for. */
    int partitionsOf(String fullName) {
        return partitions.getOrDefault(fullName, 0);
    }

    void addPatternConsumer(MemoryConsumer consumer) {
        patternConsumers.add(consumer);
    }

    void removePatternConsumer(MemoryConsumer consumer) {
        patternConsumers.remove(consumer);
    }

    void ensurePartitions(String topic, int count) {
        if (count < 0) {
            throw new ConfigurationException("partitions must be zero or more, got " + count + " for topic '" + topic + "'");
        }
        String full = TenantNamespaceNaming.instance().qualified(topic);
        Integer previous = partitions.putIfAbsent(full, count);
        if (previous != null && previous != count) {
            throw new ConfigurationException("topic '" + topic + "' already exists with " + previous
                    + " partition(s); cannot make it " + count);
        }
        topic(full);
    }
}
