package io.courier.kafka;

import io.courier.SubscribeException;
import io.courier.core.spi.OffsetTracker;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One member of a Kafka consumer group (the subscription), as a {@link RawConsumer}. The {@code KafkaConsumer} is not
 * thread-safe, so one poller thread owns it: it polls, hands records over through a queue that {@link #receive} reads,
 * pauses the assigned partitions while {@code prefetch} records wait there (backpressure without leaving the group),
 * commits what the {@link OffsetTracker} says may be committed (the contiguous acknowledged prefix of each
 * partition) every {@code commitInterval}, and answers rebalances: records of revoked partitions still queued are
 * dropped (their new owner reads them), in-flight ones get up to {@code revokeWait} to be acknowledged, then the
 * acknowledged prefix is committed synchronously. A nack hands the record back to this member after the nack delay
 * without seeking, so later records are not read twice. Thread-safe as {@link RawConsumer} requires.
 */
final class KafkaGroupConsumer implements RawConsumer {
    private static final System.Logger LOG = System.getLogger(KafkaGroupConsumer.class.getName());
    private static final Duration POLL = Duration.ofMillis(50);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String description;
    private final int prefetch;
    /** Partitions paused at {@code prefetch} queued records resume at this many. */
    private final int lowMark;
    /** False while the poller waits for the queue to drain to the low mark. */
    private volatile boolean drained = true;
    private final long commitIntervalNanos;
    private final long nackDelayNanos;
    private final Duration revokeWait;
    private final OffsetTracker<TopicPartition> offsets = new OffsetTracker<>();
    private final LinkedBlockingDeque<RawMessage> ready = new LinkedBlockingDeque<>();
    private final ConcurrentLinkedQueue<Nacked> nacked = new ConcurrentLinkedQueue<>();
    /** The partitions this member owns, written by the poller, read by handler threads. */
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    private final CountDownLatch joined = new CountDownLatch(1);
    private final Thread poller;
    private final Runnable onClosed;
    private volatile boolean closing;
    private final CloseBudget closeBudget = new CloseBudget();
    private volatile RuntimeException joinFailure;


    private record Nacked(RawMessage message, long dueNanos) {
    }

    /**
     * @param subscribe subscribes {@code consumer} with the given rebalance listener (a topic list or a pattern)
     * @param onClosed  run once the consumer is closed
     */
    KafkaGroupConsumer(KafkaConsumer<byte[], byte[]> consumer, String description, int prefetch,
                       Duration commitInterval, Duration nackDelay, Duration revokeWait,
                       Consumer<ConsumerRebalanceListener> subscribe, Runnable onClosed) {
        this.consumer = consumer;
        this.description = description;
        this.prefetch = prefetch;
        this.lowMark = prefetch / 2;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.nackDelayNanos = nackDelay.toNanos();
        this.revokeWait = revokeWait;
        this.onClosed = onClosed;
        subscribe.accept(new Rebalance());
        this.poller = new Thread(this::pollLoop, "courier-kafka-" + description);
        poller.setDaemon(true);
    }

    /**
     * Starts polling and waits until this member has joined its group (partitions assigned, possibly none, and the
     * starting positions resolved), so that a LATEST subscription sees every message published after it returns.
     *
     * @throws SubscribeException when the group cannot be joined within {@code timeout}
     */
    void start(Duration timeout) {
        poller.start();
        boolean ok;
        try {
            ok = joined.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        }
        if (joinFailure != null || !ok) {
            close();
            throw joinFailure != null ? joinFailure : new SubscribeException("cannot subscribe " + description
                    + ": the consumer group was not joined within " + timeout.toMillis() + " ms");
        }
    }

    // ------------------------------------------------------------------ the dispatcher's side

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            RawMessage m = ready.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                return null;
            }
            KafkaRecords.Position p = (KafkaRecords.Position) m.handle();
            if (owned.contains(p.partition())) {
                offsets.delivered(p.partition(), p.offset());
                if (!drained && ready.size() <= lowMark) {
                    drained = true;
                    LockSupport.unpark(poller);
                }
                return m;
            }
            // revoked while queued: its new owner reads it
        }
    }

    @Override
    public void ack(RawMessage message) {
        KafkaRecords.Position p = (KafkaRecords.Position) message.handle();
        offsets.acked(p.partition(), p.offset());
    }

    @Override
    public void nack(RawMessage message) {
        nacked.add(new Nacked(message, System.nanoTime() + nackDelayNanos));
    }

    @Override
    public void close() {
        close(CloseBudget.UNBOUNDED_CLOSE);
    }

    @Override
    public void close(Duration timeout) {
        closeBudget.start(timeout);
        closing = true;
        if (Thread.currentThread() != poller && poller.isAlive()) {
            // no wakeup(): the poller sees the flag within one short poll, and a pending wakeup would cut the
            // group leave in close() short
            closeBudget.awaitEnd(poller);
        }
    }

    // ------------------------------------------------------------------ the poller

    private void pollLoop() {
        long nextCommit = System.nanoTime() + commitIntervalNanos;
        Set<TopicPartition> paused = new HashSet<>();
        try {
            while (!closing) {
                handBackNacked();
                paused = flowControl(paused);
                ConsumerRecords<byte[], byte[]> records;
                if (!paused.isEmpty()) {
                    // full: wait for the handlers (receive wakes this thread at the low mark), then service callbacks
                    // (a partition assigned meanwhile is not paused: its records are kept like any others)
                    drained = false;
                    if (ready.size() > lowMark) {
                        LockSupport.parkNanos(this, POLL.toNanos());
                    }
                    records = consumer.poll(Duration.ZERO);
                } else {
                    records = consumer.poll(POLL);
                }
                if (joined.getCount() > 0 && !consumer.groupMetadata().memberId().isEmpty()
                        && consumer.groupMetadata().generationId() > 0) {
                    joined.countDown();   // joined with nothing assigned (a standby member)
                }

                for (ConsumerRecord<byte[], byte[]> r : records) {
                    ready.add(KafkaRecords.toRaw(r, 0));
                }
                if (System.nanoTime() - nextCommit >= 0) {
                    commit(false);
                    nextCommit = System.nanoTime() + commitIntervalNanos;
                }
            }
        } catch (RuntimeException e) {
            if (joined.getCount() > 0) {
                joinFailure = new SubscribeException("cannot subscribe " + description + ": " + e.getClass().getSimpleName()
                        + ": " + e.getMessage(), e);
                joined.countDown();
            } else if (!closing) {
                LOG.log(System.Logger.Level.ERROR, "consumer " + description + " failed; its unacknowledged messages "
                        + "will be delivered again to the group", e);
            }
        } finally {
            try {
                commit(true);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "final commit of " + description + " failed; messages after the "
                        + "last commit will be delivered again: " + e);
            }
            try {
                consumer.close(closeBudget.left(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing consumer " + description + ": " + e);
            }
            owned.clear();
            ready.clear();
            onClosed.run();
        }
    }

    /** Pauses every owned partition while {@code prefetch} records wait for the dispatcher; resumes below it. */
    private Set<TopicPartition> flowControl(Set<TopicPartition> paused) {
        if (ready.size() >= prefetch) {   // pauses newly assigned partitions too
            Set<TopicPartition> assignment = consumer.assignment();
            if (!paused.containsAll(assignment)) {
                consumer.pause(assignment);
                return new HashSet<>(assignment);
            }
        } else if (!paused.isEmpty() && ready.size() <= lowMark) {
            // resumed with half a prefetch still queued, so the handlers have work while the next fetch travels
            paused.retainAll(consumer.assignment());
            consumer.resume(paused);
            return new HashSet<>();
        }
        return paused;
    }

    private void handBackNacked() {
        long now = System.nanoTime();
        for (int i = nacked.size(); i > 0; i--) {
            Nacked n = nacked.poll();
            if (n == null) {
                return;
            }
            if (n.dueNanos() - now > 0) {
                nacked.add(n);
                continue;
            }
            RawMessage m = n.message();
            KafkaRecords.Position p = (KafkaRecords.Position) m.handle();
            if (owned.contains(p.partition())) {
                ready.addFirst(new RawMessage(m.topic(), m.id(), m.key(), m::headers, m.payload(), m.publishTime(),
                        m.eventTime(), m.redeliveryCount() + 1, p));
            }
        }
    }

    /** Commits the acknowledged prefix of the owned partitions; synchronously when {@code sync}. */
    private void commit(boolean sync) {
        Map<TopicPartition, Long> positions = offsets.commitPositions();
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        positions.forEach((tp, position) -> {
            if (owned.contains(tp)) {
                toCommit.put(tp, new OffsetAndMetadata(position));
            }
        });
        if (toCommit.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(toCommit, closeBudget.left(Duration.ofSeconds(10)));
        } else {
            consumer.commitAsync(toCommit, (committed, error) -> {
                if (error != null) {
                    LOG.log(System.Logger.Level.DEBUG, "commit of " + description + " failed (the next one covers it): "
                            + error);
                }
            });
        }
    }

    /** Runs on the poller inside {@code poll}: Kafka calls it when partitions come and go. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                // a subscription exists from the moment it is made, as on Pulsar: where the group has no offset yet,
                // commit the starting position (LATEST or EARLIEST resolved now), so that messages published while
                // no member runs are not skipped by a later LATEST start, and the backlog counts them
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
                Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    long position = consumer.position(tp);
                    if (committed.get(tp) == null) {
                        start.put(tp, new OffsetAndMetadata(position));
                    }
                }
                if (!start.isEmpty()) {
                    consumer.commitSync(start);
                }
            }
            owned.addAll(partitions);
            joined.countDown();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            giveUp(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            giveUp(partitions, false);   // already someone else's: committing would fail
        }

        private void giveUp(Collection<TopicPartition> partitions, boolean commitFirst) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<TopicPartition> leaving = new HashSet<>(partitions);
            ready.removeIf(m -> leaving.contains(((KafkaRecords.Position) m.handle()).partition()));
            if (commitFirst) {
                // a rebalance gives in-flight work time to finish; closing does not wait (the dispatcher has drained
                // already, and what it left is meant to be delivered again)
                long deadline = System.nanoTime() + (closing ? 0 : revokeWait.toNanos());
                while (System.nanoTime() - deadline < 0 && leaving.stream().anyMatch(tp -> offsets.inFlight(tp) > 0)) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                try {
                    commit(true);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "commit on revocation of " + leaving + " for " + description
                            + " failed; their new owner may read some messages again: " + e);
                }
            }
            List<TopicPartition> list = new ArrayList<>(leaving);
            owned.removeAll(list);
            list.forEach(offsets::forget);
        }
    }
}
