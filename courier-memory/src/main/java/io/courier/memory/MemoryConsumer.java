package io.courier.memory;

import io.courier.SubscribeOptions;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.TenantNamespaceNaming;
import io.courier.core.spi.TopicPatterns;
import io.courier.memory.MemoryTopic.Handle;
import io.courier.memory.MemoryTopic.Member;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A consumer on one subscription of one topic, or of every topic matching a pattern. Topics move messages into
 * its queue only while it holds fewer than {@code maxInFlight} unacknowledged messages, so a slow handler backs
 * messages up in the topic, not in this queue. While its receiver is busy a publish leaves the message in the log;
 * the receiver takes what has gathered there when its queue runs empty, and only while it waits does each publish
 * deliver to it at once.
 */
final class MemoryConsumer implements RawConsumer {
    final SubscribeOptions options;
    private final MemoryCluster cluster;
    private final LinkedBlockingQueue<RawMessage> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger held = new AtomicInteger();
    private final int capacity;
    /** The topic pattern less the dead-letter topics it must not match; null for a single-topic consumer. */
    private final Pattern pattern;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** Set while the receiver waits on an empty queue: publishes then deliver to it at once. */
    volatile boolean waiting;
    /**
     * Acknowledgements made on the receiving thread (a handler run inline, concurrency 1), applied together when
     * {@link #ACK_BATCH} have gathered, when the first of them is a millisecond old at the next one, when the queue
     * runs empty, before a nack and at close: the receiving thread then takes the topic lock once per batch rather
     * than once per message, where it met the publishing thread. With slow handlers one acknowledgement may wait for
     * the next handler run (the backlog counts it until then; a crash meanwhile delivers it again). Guarded by itself.
     */
    private final Handle[] gathered = new Handle[ACK_BATCH];
    private int gatheredCount;
    private long gatheredSince;
    private volatile Thread receiving;
    static final int ACK_BATCH = 64;
    static final java.time.Duration MAX_GATHER = java.time.Duration.ofMillis(1);
    private static final long MAX_GATHER_NANOS = MAX_GATHER.toNanos();

    MemoryConsumer(SubscribeOptions options, MemoryCluster cluster) {
        this.options = options;
        this.cluster = cluster;
        this.capacity = options.maxInFlight();
        this.pattern = options.topicPattern().isPresent() ? TopicPatterns.excludingDeadLetters(options, TenantNamespaceNaming.instance()) : null;
    }

    /** Attaches to the topic, or to every matching topic now and later; throws when a topic refuses. */
    void open() {
        if (options.topic().isPresent()) {
            attach(cluster.topic(options.topic().get()));
            return;
        }
        cluster.addPatternConsumer(this);
        try {
            for (MemoryTopic t : cluster.topics()) {
                topicCreated(t);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    void topicCreated(MemoryTopic topic) {
        if (closed || !matches(pattern, topic.name)) {
            return;
        }
        for (Member m : members) {
            if (m.topic == topic) {
                return;
            }
        }
        attach(topic);
    }

    static boolean matches(Pattern pattern, String fullName) {
        if (pattern.matcher(fullName).matches()) {
            return true;
        }
        return !pattern.pattern().contains("://")
                && pattern.matcher(fullName.substring(fullName.lastIndexOf('/') + 1)).matches();
    }

    private void attach(MemoryTopic topic) {
        Member member = new Member(this, topic);
        topic.attach(member);
        members.add(member);
    }

    boolean tryReserve() {
        while (true) {
            int n = held.get();
            if (closed || n >= capacity) {
                return false;
            }
            if (held.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void deliver(RawMessage message) {
        queue.offer(message);
    }

    void released(int count) {
        held.addAndGet(-count);
    }

    void purge(Member member) {
        MemoryTopic.dropQueued(queue.iterator(), member);
    }

    /** Capacity freed by one topic may be used by the others of a pattern subscription. */
    void capacityFreed(Member source) {
        if (members.size() < 2) {
            return;
        }
        for (Member m : members) {
            if (m != source) {
                m.topic.pull(m);
            }
        }
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        if (closed) {
            return null;
        }
        Thread self = Thread.currentThread();
        if (receiving != self) {
            receiving = self;
        }
        RawMessage next = queue.poll();
        if (next != null) {
            return next;
        }
        applyGathered();   // nothing queued: the capacity held by gathered acknowledgements may be what stops delivery
        // Set before pulling: a publish after the pull's lock hold sees the flag and delivers, one before it is pulled.
        waiting = true;
        try {
            for (Member m : members) {
                m.topic.pull(m);
            }
            next = queue.poll();
            return next != null ? next : queue.poll(timeout, unit);
        } finally {
            waiting = false;
        }
    }

    @Override
    public void ack(RawMessage message) {
        Handle h = (Handle) message.handle();
        if (Thread.currentThread() != receiving) {
            h.member.topic.ack(h);
            return;
        }
        boolean apply;
        long now = System.nanoTime();
        synchronized (gathered) {
            if (gatheredCount == 0) {
                gatheredSince = now;
            }
            gathered[gatheredCount++] = h;
            // slow handlers gather nothing: an acknowledgement waits at most MAX_GATHER for the ones after it
            apply = gatheredCount == ACK_BATCH || now - gatheredSince >= MAX_GATHER_NANOS;
        }
        if (apply) {
            applyGathered();
        }
    }

    @Override
    public void nack(RawMessage message) {
        applyGathered();   // earlier acknowledgements first, as they were made
        Handle h = (Handle) message.handle();
        h.member.topic.nack(h);
    }

    /** Applies the gathered acknowledgements, a topic's together (one topic but for pattern subscriptions). */
    private void applyGathered() {
        Handle[] batch;
        int count;
        synchronized (gathered) {
            count = gatheredCount;
            if (count == 0) {
                return;
            }
            batch = java.util.Arrays.copyOf(gathered, count);
            java.util.Arrays.fill(gathered, 0, count, null);
            gatheredCount = 0;
        }
        MemoryTopic topic = batch[0].member.topic;
        boolean oneTopic = true;
        for (int i = 1; i < count && oneTopic; i++) {
            oneTopic = batch[i].member.topic == topic;
        }
        if (oneTopic) {
            topic.ackAll(batch, count);
            return;
        }
        for (int i = 0; i < count; i++) {
            batch[i].member.topic.ack(batch[i]);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        applyGathered();   // acknowledged messages must not come back to the next subscriber
        closed = true;
        cluster.removePatternConsumer(this);
        for (Member m : members) {
            m.topic.detach(m);
        }
        queue.clear();
    }
}
