package io.courier.kafka;

import io.courier.PublisherClosedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Hands records to the Kafka producer without holding up the publishing thread. {@code KafkaProducer.send} blocks its
 * caller, up to {@code max.block.ms}, while it has no metadata for the topic (a new topic; or the cluster unreachable,
 * after which the client forgets what it knew and bootstraps again) or no room in its buffer. The producer is built
 * with {@link #ATTEMPT} as {@code max.block.ms}: a record it refuses for that reason is parked, every later record of
 * its topic is parked behind it (per-topic order is kept), and one background thread hands each topic's parked
 * records over in order once the producer takes them, or fails them when their publish timeout passes. At most
 * {@link #MAX_PARKED} records are parked; past that, publishing threads wait for room up to their publish timeout, as
 * they would for a full buffer. Thread-safe.
 */
final class KafkaSends {
    /** The producer's {@code max.block.ms}: the longest a publishing thread waits inside the client. */
    static final Duration ATTEMPT = Duration.ofMillis(10);
    static final int MAX_PARKED = 100_000;

    private final Producer<byte[], byte[]> producer;
    private final long publishTimeoutNanos;
    private final Map<String, ArrayDeque<Send>> parked = new HashMap<>();   // guarded by this
    private int parkedCount;   // guarded by this
    private volatile boolean anyParked;
    private boolean closed;    // guarded by this
    private final Thread handOver;

    KafkaSends(Producer<byte[], byte[]> producer, Duration publishTimeout, String name) {
        this.producer = producer;
        this.publishTimeoutNanos = publishTimeout.toNanos();
        this.handOver = new Thread(this::handOverParked, name + "-parked-sends");
        handOver.setDaemon(true);
        handOver.start();
    }

    /** Sends {@code record}; {@code done} is called once, with its metadata or the failure. */
    void send(ProducerRecord<byte[], byte[]> record, Callback done) {
        Send s = new Send(record, done, System.nanoTime() + publishTimeoutNanos);
        if (anyParked) {
            Boolean parkedBehind = parkBehind(s);
            if (parkedBehind == null) {
                s.abandon();
                return;
            }
            if (parkedBehind) {
                return;
            }
        }
        if (!s.tryHandOver(producer) && !park(s)) {
            s.abandon();
        }
    }

    /**
     * Parks {@code s} when its topic already has records waiting: true; false when it may go straight to the producer;
     * null when closed.
     */
    private synchronized Boolean parkBehind(Send s) {
        if (!parked.containsKey(s.record.topic())) {
            return false;
        }
        waitForRoom(s);
        if (closed) {
            return null;
        }
        // looked up again: while this thread waited for room the topic's queue may have been handed over and dropped
        ArrayDeque<Send> queue = parked.get(s.record.topic());
        if (queue == null) {
            return false;
        }
        queue.add(s);
        parkedCount++;
        return true;
    }

    /** Parks {@code s} at the end of its topic's queue; false when closed. */
    private synchronized boolean park(Send s) {
        waitForRoom(s);
        if (closed) {
            return false;
        }
        parked.computeIfAbsent(s.record.topic(), t -> new ArrayDeque<>()).add(s);
        parkedCount++;
        anyParked = true;
        notifyAll();
        return true;
    }

    /** Waits (holding no records) while {@link #MAX_PARKED} are parked, up to the record's deadline. */
    private void waitForRoom(Send s) {
        while (parkedCount >= MAX_PARKED && !closed) {
            long left = s.deadline - System.nanoTime();
            if (left <= 0) {
                break;   // parked anyway: the hand-over thread fails it as expired at once
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** The background thread: hands each topic's parked records to the producer in order, until closed. */
    private void handOverParked() {
        while (true) {
            List<String> topics;
            synchronized (this) {
                while (parkedCount == 0 && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                topics = new ArrayList<>(parked.keySet());
            }
            boolean progress = false;
            for (String topic : topics) {
                progress |= handOverTopic(topic);
            }
            if (!progress) {
                pause();
            }
        }
    }

    /** Between rounds that moved nothing: a refusal normally takes ATTEMPT already, this guards against one that does not. */
    private synchronized void pause() {
        if (!closed) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, ATTEMPT.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Hands over the topic's parked records from the head until the producer refuses one; true when it moved any. The
     * head stays in the queue while it is handed over, so a record published meanwhile parks behind it instead of
     * overtaking it.
     */
    private boolean handOverTopic(String topic) {
        boolean moved = false;
        while (true) {
            Send head;
            synchronized (this) {
                ArrayDeque<Send> queue = parked.get(topic);
                if (queue == null || closed) {
                    return moved;
                }
                head = queue.peek();
            }
            boolean expired = System.nanoTime() - head.deadline >= 0;
            if (!expired && !head.tryHandOver(producer)) {
                return moved;   // refused again (each attempt waits up to ATTEMPT in the client): next topic, then again
            }
            moved = true;
            synchronized (this) {
                ArrayDeque<Send> queue = parked.get(topic);
                if (queue == null) {
                    return true;   // closed meanwhile: close() failed the rest
                }
                queue.poll();
                parkedCount--;
                if (queue.isEmpty()) {
                    parked.remove(topic);
                    anyParked = !parked.isEmpty();
                }
                notifyAll();
            }
            if (expired) {
                head.done.onCompletion(null, new TimeoutException("not taken by the Kafka producer within the publish "
                        + "timeout (" + TimeUnit.NANOSECONDS.toMillis(publishTimeoutNanos) + " ms): "
                        + (head.refusal == null ? "no metadata for the topic" : head.refusal.getMessage())));
            }
        }
    }

    /**
     * Stops the hand-over and fails every parked record (none of them went out); before the producer closes. Waits
     * for a hand-over in progress (one attempt, up to {@link #ATTEMPT} in the client) so that no record is both failed
     * here and sent.
     */
    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            handOver.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Send> abandoned = new ArrayList<>();
        synchronized (this) {
            parked.values().forEach(abandoned::addAll);
            parked.clear();
            parkedCount = 0;
            anyParked = false;
        }
        abandoned.forEach(Send::abandon);
    }

    /** A record and its completion; as the producer's callback it tells a refusal to take it from its outcome. */
    private static final class Send implements Callback {
        final ProducerRecord<byte[], byte[]> record;
        final Callback done;
        final long deadline;
        /** Set by the calling thread once {@code send} returned; a callback before that is the send's own refusal. */
        private volatile boolean handedOver;
        private boolean refused;
        private Exception refusal;

        Send(ProducerRecord<byte[], byte[]> record, Callback done, long deadline) {
            this.record = record;
            this.done = done;
            this.deadline = deadline;
        }

        /** True when the producer took the record (its outcome then reaches {@code done}); false when it refused. */
        boolean tryHandOver(Producer<byte[], byte[]> producer) {
            refused = false;
            try {
                producer.send(record, this);
            } catch (RuntimeException e) {
                done.onCompletion(null, e);
                return true;
            }
            if (refused) {
                return false;
            }
            handedOver = true;
            return true;
        }

        void abandon() {
            done.onCompletion(null, new PublisherClosedException("publish to '" + record.topic() + "' abandoned: the "
                    + "broker was closed while the record waited for the Kafka producer to take it; nothing was sent"));
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            // The producer reports "no metadata in time" and "no buffer room in time" as a TimeoutException to the
            // callback before send returns, on the calling thread; a delivery timeout comes later, from its I/O thread
            if (!handedOver && error instanceof TimeoutException) {
                refused = true;
                refusal = error;
                return;
            }
            done.onCompletion(metadata, error);
        }
    }
}
