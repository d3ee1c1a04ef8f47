package io.courier.pulsar;

import io.courier.CourierException;
import io.courier.Headers;
import io.courier.MessageId;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.time.Instant;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClientException;

/** A Pulsar consumer as the dispatch machinery drives it: individual acks, nack for redelivery, close flushes acks. */
final class PulsarRawConsumer implements RawConsumer {
    private final Consumer<byte[]> consumer;
    private final Runnable onClose;
    private volatile boolean closed;

    PulsarRawConsumer(Consumer<byte[]> consumer, Runnable onClose) {
        this.consumer = consumer;
        this.onClose = onClose;
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        if (closed) {
            return null;
        }
        Message<byte[]> m;
        try {
            m = consumer.receive((int) Math.max(1, unit.toMicros(timeout)), TimeUnit.MICROSECONDS);
        } catch (PulsarClientException e) {
            if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while receiving");
            }
            if (closed) {
                return null;
            }
            throw new CourierException("receive on subscription '" + consumer.getSubscription() + "' of '"
                    + consumer.getTopic() + "' failed: " + e.getMessage(), e);
        }
        if (m == null) {
            return null;
        }
        // id string and headers are rendered on first use: a byte[] handler without middleware reads neither
        org.apache.pulsar.client.api.MessageId pulsarId = m.getMessageId();
        return new RawMessage(m.getTopicName(), MessageId.lazy(pulsarId::toString), m.hasKey() ? m.getKey() : null,
                () -> m.getProperties().isEmpty() ? Headers.empty() : Headers.of(new TreeMap<>(m.getProperties())), m.getData(),
                Instant.ofEpochMilli(m.getPublishTime()), m.getEventTime() > 0 ? Instant.ofEpochMilli(m.getEventTime()) : null,
                m.getRedeliveryCount(), pulsarId);
    }

    @Override
    public void ack(RawMessage message) {
        consumer.acknowledgeAsync((org.apache.pulsar.client.api.MessageId) message.handle());
    }

    @Override
    public void nack(RawMessage message) {
        consumer.negativeAcknowledge((org.apache.pulsar.client.api.MessageId) message.handle());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // close() flushes pending acknowledgements; it never unsubscribes
            consumer.close();
        } catch (PulsarClientException ignored) {
            // already closed or broker gone: unacknowledged messages come back either way
        } finally {
            onClose.run();
        }
    }
}
