package io.courier.kafka;

import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;

/**
 * One member of a Kafka share group (KIP-932), the SHARED subscription: records are handed to members one by one
 * and acknowledged one by one (accept, or release to be delivered again), with a delivery count per record. The
 * {@code KafkaShareConsumer} is not thread-safe and, in explicit acknowledgement mode, must have every record of one
 * poll acknowledged before the next poll; so one poller thread owns it: it polls at most {@code maxInFlight} records,
 * queues them for {@link #receive}, applies the acknowledgements that handler threads hand it, and polls again once
 * the whole batch is settled (the acknowledgements travel with that poll). On close,
 * every record not acknowledged is released to the group at once. Thread-safe as {@link RawConsumer} requires.
 */
final class KafkaSharedConsumer implements RawConsumer {
    private static final System.Logger LOG = System.getLogger(KafkaSharedConsumer.class.getName());
    private static final Duration POLL = Duration.ofMillis(50);

    private final KafkaShareConsumer<byte[], byte[]> consumer;
    private final String description;
    private final LinkedBlockingDeque<RawMessage> ready = new LinkedBlockingDeque<>();
    private final LinkedBlockingQueue<Settled> settled = new LinkedBlockingQueue<>();
    private final Thread poller;
    private final Runnable onClosed;
    private volatile boolean closing;
    private final CloseBudget closeBudget = new CloseBudget();

    private record Settled(KafkaRecords.Position position, AcknowledgeType type) {
    }

    KafkaSharedConsumer(KafkaShareConsumer<byte[], byte[]> consumer, String description, Runnable onClosed) {
        this.consumer = consumer;
        this.description = description;
        this.onClosed = onClosed;
        this.poller = new Thread(this::pollLoop, "courier-kafka-share-" + description);
        poller.setDaemon(true);
    }

    void start() {
        poller.start();
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        return ready.poll(timeout, unit);
    }

    @Override
    public void ack(RawMessage message) {
        settled.add(new Settled((KafkaRecords.Position) message.handle(), AcknowledgeType.ACCEPT));
    }

    @Override
    public void nack(RawMessage message) {
        settled.add(new Settled((KafkaRecords.Position) message.handle(), AcknowledgeType.RELEASE));
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
            closeBudget.awaitEnd(poller);
        }
    }

    private void pollLoop() {
        // the records of the last poll not yet settled: the next poll waits until there are none
        Map<KafkaRecords.Position, ConsumerRecord<byte[], byte[]>> unsettled = new HashMap<>();
        try {
            while (!closing) {
                if (!unsettled.isEmpty()) {
                    settle(unsettled, settled.poll(POLL.toMillis(), TimeUnit.MILLISECONDS));
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    int redeliveries = r.deliveryCount().map(c -> Math.max(0, c - 1)).orElse(0);
                    RawMessage m = KafkaRecords.toRaw(r, redeliveries);
                    unsettled.put((KafkaRecords.Position) m.handle(), r);
                    ready.add(m);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closing) {
                LOG.log(System.Logger.Level.ERROR, "share consumer " + description + " failed; its unacknowledged "
                        + "messages will be delivered again to the group", e);
            }
        } finally {
            try {
                // what the handlers settled still counts
                settle(unsettled, settled.poll());
                // the rest (never handed out, or left unsettled by a close past its grace) goes back to the group
                // now rather than when its acquisition lock runs out
                ready.clear();
                unsettled.values().forEach(r -> acknowledge(r, AcknowledgeType.RELEASE));
                unsettled.clear();
                consumer.commitSync(closeBudget.left(Duration.ofSeconds(10)));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "final acknowledgement of " + description + " failed; its "
                        + "records will be delivered again when their locks expire: " + e);
            }
            try {
                consumer.close(closeBudget.left(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing share consumer " + description + ": " + e);
            }
            onClosed.run();
        }
    }

    /**
     * Applies {@code first} and every other settlement waiting. They reach the broker with the next poll (or the
     * final commit): a commit while records of the batch are still unsettled would end the batch, and the client
     * would then refuse their acknowledgements.
     */
    private void settle(Map<KafkaRecords.Position, ConsumerRecord<byte[], byte[]>> unsettled, Settled first) {
        for (Settled s = first; s != null; s = settled.poll()) {
            ConsumerRecord<byte[], byte[]> r = unsettled.remove(s.position());
            if (r != null) {
                acknowledge(r, s.type());
            }
        }
    }

    /** Acknowledges by the record itself: the client's (topic, partition, offset) form is for undecodable records. */
    private void acknowledge(ConsumerRecord<byte[], byte[]> r, AcknowledgeType type) {
        try {
            consumer.acknowledge(r, type);
        } catch (IllegalStateException e) {
            // the record's lock expired: the broker hands it out again
            LOG.log(System.Logger.Level.WARNING, "acknowledgement (" + type + ") of " + r.topic() + "-" + r.partition()
                    + "@" + r.offset() + " on " + description + " refused: " + e);
        }
    }
}
