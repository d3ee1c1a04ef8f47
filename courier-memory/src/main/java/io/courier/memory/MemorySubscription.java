package io.courier.memory;

import io.courier.InitialPosition;
import io.courier.SubscriptionType;
import io.courier.core.spi.RawMessage;
import io.courier.memory.MemoryTopic.Handle;
import io.courier.memory.MemoryTopic.Member;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A durable subscription on one topic: its cursor, individual acknowledgements, redelivery and delay bookkeeping, and
 * the choice of consumer for each message by subscription type. Not thread-safe: guarded by its topic's lock.
 */
final class MemorySubscription {
    private final MemoryTopic topic;
    private final MemoryLog log;
    final String name;
    SubscriptionType type;
    long readPos;
    long markDelete;
    final TreeSet<Long> ackedAbove = new TreeSet<>();
    final TreeSet<Long> replay = new TreeSet<>();
    final Set<Long> waiting = new HashSet<>();
    final Map<Long, Integer> redeliveries = new HashMap<>();
    final List<Member> consumers = new ArrayList<>();
    final Map<String, Member> keyOwner = new HashMap<>();
    final Map<String, Integer> keyPending = new HashMap<>();
    long backlogBytes;
    private int roundRobin;

    MemorySubscription(MemoryTopic topic, MemoryLog log, String name, InitialPosition position) {
        this.topic = topic;
        this.log = log;
        this.name = name;
        long start = position == InitialPosition.EARLIEST ? log.baseOffset() : log.nextOffset();
        this.readPos = start;
        this.markDelete = start;
        this.backlogBytes = log.payloadBytesFrom(start);
    }

    long backlogCount() {
        return (log.nextOffset() - markDelete) - ackedAbove.size();
    }

    /** Whether a consumer waits on an empty queue, so that a publish must deliver at once. */
    boolean hasWaitingConsumer() {
        for (int i = 0; i < consumers.size(); i++) {
            if (consumers.get(i).consumer.waiting) {
                return true;
            }
        }
        return false;
    }

    void acknowledge(long offset) {
        if (offset < markDelete || ackedAbove.contains(offset)) {
            return;
        }
        MemoryLog.Entry e = log.entry(offset);
        if (e != null) {
            backlogBytes -= e.payload().length;
        }
        if (!redeliveries.isEmpty()) {
            redeliveries.remove(offset);
        }
        if (offset == markDelete) {
            markDelete++;
            while (!ackedAbove.isEmpty() && ackedAbove.first() == markDelete) {
                ackedAbove.pollFirst();
                markDelete++;
            }
        } else {
            ackedAbove.add(offset);
        }
    }

    void release(long offset, Member member) {
        if (type == SubscriptionType.KEY_SHARED) {
            MemoryLog.Entry e = log.entry(offset);
            String key = keyOf(e);
            Integer n = keyPending.get(key);
            if (n != null) {
                if (n <= 1) {
                    keyPending.remove(key);
                    keyOwner.remove(key);
                } else {
                    keyPending.put(key, n - 1);
                }
            }
        }
    }

    /** Pushes as many messages as the consumers can take: replays first, then new ones, in offset order. */
    void dispatch() {
        Instant now = null;
        while (!consumers.isEmpty()) {
            boolean fromReplay = !replay.isEmpty();
            long offset;
            if (fromReplay) {
                offset = replay.first();
            } else if (readPos < log.nextOffset()) {
                offset = readPos;
            } else {
                return;
            }
            MemoryLog.Entry e = log.entry(offset);
            if (e == null || offset < markDelete || ackedAbove.contains(offset)) {
                advance(fromReplay);
                continue;
            }
            boolean honoursDelay = type == SubscriptionType.SHARED || type == SubscriptionType.KEY_SHARED;
            if (honoursDelay && e.deliverAt() != null && !fromReplay) {
                if (now == null) {
                    now = topic.settings().clock().instant();
                }
                long waitMs = e.deliverAt().toEpochMilli() - now.toEpochMilli();
                if (waitMs > 0) {
                    advance(false);
                    waiting.add(offset);
                    MemorySubscription self = this;
                    topic.timer().schedule(() -> topic.releaseWaiting(self, offset), waitMs, TimeUnit.MILLISECONDS);
                    continue;
                }
            }
            Member target = pick(e);
            if (target == null) {
                return;
            }
            advance(fromReplay);
            Handle handle = target.link(offset);
            if (type == SubscriptionType.KEY_SHARED) {
                String key = keyOf(e);
                keyOwner.put(key, target);
                keyPending.merge(key, 1, Integer::sum);
            }
            target.consumer.deliver(new RawMessage(topic.name, topic.idOf(offset), e.key(), e.headers(),
                    e.payload(), e.publishTime(), e.eventTime(),
                    redeliveries.isEmpty() ? 0 : redeliveries.getOrDefault(offset, 0), handle));
        }
    }

    private void advance(boolean fromReplay) {
        if (fromReplay) {
            replay.pollFirst();
        } else {
            readPos++;
        }
    }

    private Member pick(MemoryLog.Entry e) {
        switch (type) {
            case EXCLUSIVE:
            case FAILOVER: {
                Member active = consumers.get(0);
                return active.consumer.tryReserve() ? active : null;
            }
            case KEY_SHARED: {
                String key = keyOf(e);
                Member owner = keyOwner.get(key);
                if (owner == null) {
                    owner = consumers.get(Math.floorMod(key.hashCode() * 0x9E3779B9, consumers.size()));
                }
                return owner.consumer.tryReserve() ? owner : null;
            }
            default: {
                for (int i = 0; i < consumers.size(); i++) {
                    Member m = consumers.get(Math.floorMod(roundRobin + i, consumers.size()));
                    if (m.consumer.tryReserve()) {
                        roundRobin = Math.floorMod(roundRobin + i + 1, consumers.size());
                        return m;
                    }
                }
                return null;
            }
        }
    }

    private static String keyOf(MemoryLog.Entry e) {
        return e == null || e.key() == null ? "" : e.key();
    }
}
