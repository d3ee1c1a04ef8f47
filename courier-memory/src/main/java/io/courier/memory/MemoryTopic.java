package io.courier.memory;

import io.courier.BacklogQuota;
import io.courier.BacklogQuotaExceededException;
import io.courier.MessageId;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One topic: its {@link MemoryLog} with bounded retention, the durable {@link MemorySubscription}s over it, and the
 * consumers attached to them ({@link Member}). All state is guarded by the topic's own lock; delivery moves messages
 * into consumers' queues under that lock, never more than a consumer's capacity. A publish delivers only to
 * subscriptions with a consumer waiting on an empty queue; a busy consumer takes what was published meanwhile when its
 * queue runs empty ({@link #pull}), many messages under one lock hold, so that the publishing and the receiving thread
 * do not meet for every message.
 */
final class MemoryTopic {
    final String name;
    private final MemoryCluster cluster;
    private final ReentrantLock lock = new ReentrantLock();

    private final MemoryLog log = new MemoryLog();
    private final Map<String, MemorySubscription> subs = new LinkedHashMap<>();
    private BacklogQuota quota;

    MemoryTopic(String name, MemoryCluster cluster) {
        this.name = name;
        this.cluster = cluster;
    }

    MemorySettings settings() {
        return cluster.settings;
    }

    java.util.concurrent.ScheduledExecutorService timer() {
        return cluster.timer;
    }

    /**
     * One delivery: where the message came from, the handle of its {@link RawMessage}, and a link in its member's
     * list of unacknowledged deliveries (an acknowledgement unlinks it without a lookup). A message delivered again
     * gets a new handle; the old one no longer acknowledges anything. Links guarded by the topic lock.
     */
    static final class Handle {
        final Member member;
        final long offset;
        private Handle previous;
        private Handle next;
        private boolean pending;

        Handle(Member member, long offset) {
            this.member = member;
            this.offset = offset;
        }
    }

    // ------------------------------------------------------------------ publish

    MessageId publish(OutboundMessage m) {
        int size = m.payload().length;
        lock.lock();
        try {
            if (quota != null) {
                for (MemorySubscription s : subs.values()) {
                    if (s.backlogBytes + size > quota.limitBytes()) {
                        throw new BacklogQuotaExceededException("backlog quota of topic '" + name + "' exceeded: "
                                + "subscription '" + s.name + "' holds " + s.backlogBytes + " bytes unacknowledged, "
                                + "limit " + quota.limitBytes() + " bytes; retry when consumers catch up");
                    }
                }
            }
            long offset = log.append(m.payload(), m.key(), m.headers().sortedByName(),
                    cluster.settings.clock().instant(), m.eventTime(), m.deliverAt());
            for (MemorySubscription s : subs.values()) {
                s.backlogBytes += size;
            }
            for (MemorySubscription s : subs.values()) {
                if (s.hasWaitingConsumer()) {
                    s.dispatch();
                }
            }
            trim();
            return idOf(offset);
        } finally {
            lock.unlock();
        }
    }

    /** The id {@code offset@topic}, its string made only when read (most never are). */
    MessageId idOf(long offset) {
        return MessageId.lazy(() -> offset + "@" + name);
    }

    // ------------------------------------------------------------------ admin

    void setQuota(BacklogQuota quota) {
        lock.lock();
        try {
            this.quota = quota;
        } finally {
            lock.unlock();
        }
    }

    BacklogQuota quota() {
        lock.lock();
        try {
            return quota;
        } finally {
            lock.unlock();
        }
    }

    long backlog(String subscription) {
        lock.lock();
        try {
            MemorySubscription s = subs.get(subscription);
            return s == null ? 0 : s.backlogCount();
        } finally {
            lock.unlock();
        }
    }

    /** Messages published since the broker started, and bytes of payload the log still keeps. */
    long[] publishedAndStoredBytes() {
        lock.lock();
        try {
            return new long[] {log.nextOffset(), log.payloadBytesFrom(log.baseOffset())};
        } finally {
            lock.unlock();
        }
    }

    List<io.courier.SubscriptionInfo> subscriptionInfos() {
        lock.lock();
        try {
            List<io.courier.SubscriptionInfo> infos = new ArrayList<>();
            for (MemorySubscription s : subs.values()) {
                long unacked = 0;
                for (Member m : s.consumers) {
                    unacked += m.pendingCount;
                }
                infos.add(new io.courier.SubscriptionInfo(s.name,
                        s.consumers.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(s.type),
                        s.consumers.size(), s.backlogCount(), java.util.OptionalLong.of(unacked),
                        java.util.OptionalDouble.empty()));
            }
            infos.sort(java.util.Comparator.comparing(io.courier.SubscriptionInfo::name));
            return infos;
        } finally {
            lock.unlock();
        }
    }

    /** Acknowledges the next {@code n} unacknowledged messages of the subscription, oldest first. */
    void skip(String subscription, long n) {
        lock.lock();
        try {
            MemorySubscription s = existingSub(subscription);
            long skipped = 0;
            for (long o = s.markDelete; o < log.nextOffset() && skipped < n; o++) {
                if (!s.ackedAbove.contains(o)) {
                    s.acknowledge(o);
                    skipped++;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    void skipAll(String subscription) {
        skip(subscription, Long.MAX_VALUE);
    }

    /** Moves the subscription to the first message published at or after {@code time}; later ones unacknowledged. */
    void resetCursor(String subscription, Instant time) {
        lock.lock();
        try {
            MemorySubscription s = existingSub(subscription);
            long at = log.firstPublishedAtOrAfter(time);
            s.markDelete = at;
            s.readPos = at;
            s.ackedAbove.clear();
            s.replay.clear();
            s.backlogBytes = log.payloadBytesFrom(at);
            s.dispatch();
        } finally {
            lock.unlock();
        }
    }

    /** The latest {@code max} messages the log keeps, oldest first. */
    List<io.courier.StoredMessage> peek(int max) {
        lock.lock();
        try {
            List<io.courier.StoredMessage> out = new ArrayList<>();
            for (long o = Math.max(log.baseOffset(), log.nextOffset() - max); o < log.nextOffset(); o++) {
                MemoryLog.Entry e = log.entry(o);
                out.add(new io.courier.StoredMessage(name, idOf(o).value(), java.util.Optional.ofNullable(e.key()),
                        e.headers(), e.payload(), e.publishTime(), java.util.Optional.ofNullable(e.eventTime())));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private MemorySubscription existingSub(String subscription) {
        MemorySubscription s = subs.get(subscription);
        if (s == null) {
            throw new io.courier.CourierException("no subscription '" + subscription + "' on topic '" + name + "'");
        }
        return s;
    }

    /** Drops entries every subscription has acknowledged, keeping the retention window. */
    private void trim() {
        long needed = log.nextOffset();
        for (MemorySubscription s : subs.values()) {
            needed = Math.min(needed, s.markDelete);
        }
        log.dropBefore(Math.min(needed, Math.max(0, log.nextOffset() - cluster.settings.retention())));
    }

    // ------------------------------------------------------------------ subscribe

    /** Attaches {@code member} to its subscription, creating the subscription when needed. */
    void attach(Member member) {
        lock.lock();
        try {
            String subName = member.consumer.options.subscription();
            SubscriptionType type = member.consumer.options.type();
            MemorySubscription sub = subs.get(subName);
            if (sub == null) {
                sub = new MemorySubscription(this, log, subName, member.consumer.options.initialPosition());
                subs.put(subName, sub);
            }
            if (!sub.consumers.isEmpty()) {
                if (sub.type != type) {
                    throw new SubscriptionBusyException("subscription '" + subName + "' on topic '" + name + "' is "
                            + sub.type + " with " + sub.consumers.size() + " consumer(s) connected; cannot join it as "
                            + type + " (memory://" + cluster.settings.name() + ")");
                }
                if (type == SubscriptionType.EXCLUSIVE) {
                    throw new SubscriptionBusyException("subscription '" + subName + "' on topic '" + name
                            + "' is EXCLUSIVE and already has a consumer (memory://" + cluster.settings.name() + ")");
                }
            }
            sub.type = type;
            member.sub = sub;
            sub.consumers.add(member);
            sub.dispatch();
        } finally {
            lock.unlock();
        }
    }

    void detach(Member member) {
        lock.lock();
        try {
            MemorySubscription sub = member.sub;
            if (sub == null || !sub.consumers.remove(member)) {
                return;
            }
            member.closed = true;
            int released = member.pendingCount;
            for (Handle h = member.unlinkAll(); h != null; h = h.next) {
                sub.release(h.offset, member);
                sub.redeliveries.merge(h.offset, 1, Integer::sum);
                sub.replay.add(h.offset);
            }
            member.consumer.released(released);
            member.consumer.purge(member);
            if (sub.consumers.isEmpty()) {
                sub.type = null;
            }
            sub.dispatch();
        } finally {
            lock.unlock();
        }
    }

    void ack(Handle handle) {
        Member member = handle.member;
        lock.lock();
        try {
            if (!acknowledgePending(handle)) {
                return;
            }
            trim();
            member.sub.dispatch();
        } finally {
            lock.unlock();
        }
        member.consumer.capacityFreed(member);
    }

    /**
     * Acknowledges {@code handles[0..count)}, one consumer's on this topic (so one member), under one lock hold: the
     * receiving thread's acknowledgements gathered by {@link MemoryConsumer}, so that it meets the publishing thread
     * on the lock once per batch instead of once per message. Delivers what the freed capacity allows once, after
     * all of them.
     */
    void ackAll(Handle[] handles, int count) {
        Member acked = null;
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                if (acknowledgePending(handles[i])) {
                    acked = handles[i].member;
                }
            }
            if (acked != null) {
                trim();
                acked.sub.dispatch();
            }
        } finally {
            lock.unlock();
        }
        if (acked != null) {
            acked.consumer.capacityFreed(acked);
        }
    }

    /** Acknowledges one delivered message and frees its capacity; false when it is not pending. Under the lock. */
    private boolean acknowledgePending(Handle handle) {
        Member member = handle.member;
        if (member.closed || !member.unlink(handle)) {
            return false;
        }
        member.sub.release(handle.offset, member);
        member.sub.acknowledge(handle.offset);
        member.consumer.released(1);
        return true;
    }

    void nack(Handle handle) {
        Member member = handle.member;
        long offset = handle.offset;
        lock.lock();
        try {
            if (member.closed || !member.unlink(handle)) {
                return;
            }
            MemorySubscription sub = member.sub;
            sub.release(offset, member);
            sub.redeliveries.merge(offset, 1, Integer::sum);
            member.consumer.released(1);
            long delay = cluster.settings.nackDelayMs();
            if (delay == 0) {
                sub.replay.add(offset);
                sub.dispatch();
            } else {
                sub.waiting.add(offset);
                cluster.timer.schedule(() -> releaseWaiting(sub, offset), delay, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        member.consumer.capacityFreed(member);
    }

    /**
     * Delivers to the member's subscription what its consumers can take: called by a consumer whose queue ran empty,
     * and when capacity freed on one topic of a pattern consumer may be used on another.
     */
    void pull(Member member) {
        lock.lock();
        try {
            if (member.sub != null && !member.closed) {
                member.sub.dispatch();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Delivers a message whose delay or nack delay has passed. */
    void releaseWaiting(MemorySubscription sub, long offset) {
        lock.lock();
        try {
            if (sub.waiting.remove(offset)) {
                sub.replay.add(offset);
                sub.dispatch();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A consumer's attachment to this topic. Guarded by the topic lock. */
    static final class Member {
        final MemoryConsumer consumer;
        final MemoryTopic topic;
        /** Deliveries not yet acknowledged, oldest first. */
        private Handle first;
        private Handle last;
        int pendingCount;
        MemorySubscription sub;
        boolean closed;

        Member(MemoryConsumer consumer, MemoryTopic topic) {
            this.consumer = consumer;
            this.topic = topic;
        }

        Handle link(long offset) {
            Handle h = new Handle(this, offset);
            h.pending = true;
            h.previous = last;
            if (last == null) {
                first = h;
            } else {
                last.next = h;
            }
            last = h;
            pendingCount++;
            return h;
        }

        /** False when the delivery was acknowledged, nacked or released already. */
        boolean unlink(Handle h) {
            if (!h.pending) {
                return false;
            }
            h.pending = false;
            if (h.previous == null) {
                first = h.next;
            } else {
                h.previous.next = h.next;
            }
            if (h.next == null) {
                last = h.previous;
            } else {
                h.next.previous = h.previous;
            }
            h.previous = null;
            h.next = null;
            pendingCount--;
            return true;
        }

        /** Empties the list, returning its first delivery; the chain of {@code next} links stays walkable. */
        Handle unlinkAll() {
            Handle head = first;
            for (Handle h = head; h != null; h = h.next) {
                h.pending = false;
            }
            first = null;
            last = null;
            pendingCount = 0;
            return head;
        }
    }

    /** Removes messages of {@code member} still queued in its consumer; used when it detaches. */
    static void dropQueued(Iterator<RawMessage> queued, Member member) {
        while (queued.hasNext()) {
            RawMessage m = queued.next();
            if (m.handle() instanceof Handle h && h.member == member) {
                queued.remove();
            }
        }
    }
}
