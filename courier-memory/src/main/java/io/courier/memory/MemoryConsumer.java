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
 * A consumer on one subscription of one topic, or of every topic matching a pattern. Topics push messages into
 * its queue only while it holds fewer than {@code maxInFlight} unacknowledged messages, so a slow handler backs
 * messages up in the topic, not in this queue.
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
                m.topic.kick(m);
            }
        }
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        if (closed) {
            return null;
        }
        return queue.poll(timeout, unit);
    }

    @Override
    public void ack(RawMessage message) {
        Handle h = (Handle) message.handle();
        h.member().topic.ack(h.member(), h.offset());
    }

    @Override
    public void nack(RawMessage message) {
        Handle h = (Handle) message.handle();
        h.member().topic.nack(h.member(), h.offset());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cluster.removePatternConsumer(this);
        for (Member m : members) {
            m.topic.detach(m);
        }
        queue.clear();
    }
}
