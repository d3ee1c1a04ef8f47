package io.courier.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.courier.Headers;
import io.courier.MessageId;
import io.courier.core.spi.PushConsumer;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.Timers;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One consumer of a subscription's queue on a channel of its own: RabbitMQ pushes at most the prefetch (the
 * subscription's {@code maxInFlight}) unacknowledged messages, which wait in a {@link PushConsumer} for the engine.
 * Acknowledgements go to the broker one by one as handlers finish; a message handed back goes back to the queue after
 * the nack delay. After a reconnect the client consumes again by itself; acknowledgements of deliveries from before
 * it are dropped by the client, and the broker delivers those messages again. Thread-safe.
 */
final class RabbitConsumer extends DefaultConsumer {
    /** Headers Courier sets on a publish to carry what AMQP has no field for; taken off on delivery. */
    static final String EVENT_TIME = "courier-event-time";
    static final String PUBLISH_TIME = "courier-publish-time";
    static final String KEY = "courier-key";
    private static final String DELIVERY_COUNT = "x-delivery-count";

    private final String topic;
    private final Duration nackDelay;
    private final PushConsumer queue;
    /** Delivered to this consumer and not yet settled with the broker: what it holds of the queue's backlog. */
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean settling = true;
    /** From basicConsume's answer: DefaultConsumer learns its tag later, on the client's dispatch thread. */
    private volatile String consumerTag;

    private RabbitConsumer(Channel channel, String topic, int prefetch, Duration nackDelay, Runnable onClose) {
        super(channel);
        this.topic = topic;
        this.nackDelay = nackDelay;
        this.queue = new PushConsumer(prefetch, new PushConsumer.Settler() {
            @Override
            public void ack(RawMessage m) {
                settle(m, true);
            }

            @Override
            public void nack(RawMessage m) {
                if (nackDelay.isZero()) {
                    settle(m, false);
                } else {
                    Timers.shared().schedule(() -> settle(m, false), nackDelay.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }, PushConsumer.FlowControl.NONE, () -> {
            settling = false;
            held.set(0);
            try {
                // cancelled first: once the broker confirms it, the queue counts the consumer gone
                getChannel().basicCancel(consumerTag);
                getChannel().close();   // what it holds unacknowledged goes back to the queue
            } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
                // the channel is gone already: the broker returned its messages then
            }
            onClose.run();
        });
    }

    /**
     * Consumes {@code queue} on {@code channel} (prefetch set already).
     *
     * @throws IOException when the broker refuses (a 403 when another consumer holds the queue exclusively)
     */
    static RabbitConsumer start(Channel channel, String queueName, String topic, int prefetch, Duration nackDelay,
                                Runnable onClose) throws IOException {
        RabbitConsumer c = new RabbitConsumer(channel, topic, prefetch, nackDelay, onClose);
        c.consumerTag = channel.basicConsume(queueName, false, c);
        return c;
    }

    /** The consumer as the engine drives it. */
    RawConsumer raw() {
        return queue;
    }

    /** Messages delivered here and not yet acknowledged or handed back. */
    int held() {
        return held.get();
    }

    private void settle(RawMessage m, boolean ack) {
        if (!settling) {
            return;   // closed: the broker has these back already
        }
        long tag = (Long) m.handle();
        Channel ch = getChannel();
        try {
            synchronized (ch) {
                if (ack) {
                    ch.basicAck(tag, false);
                } else {
                    ch.basicNack(tag, false, true);
                }
            }
            held.decrementAndGet();
        } catch (IOException | RuntimeException e) {
            // the channel broke: the broker delivers the message again, settled or not
        }
    }

    @Override
    public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] body) {
        Map<String, Object> raw = p.getHeaders() == null ? Map.of() : p.getHeaders();
        String key = envelope.getRoutingKey().isEmpty() ? text(raw.get(KEY)) : envelope.getRoutingKey();
        Instant eventTime = millis(raw.get(EVENT_TIME));
        Instant published = millis(raw.get(PUBLISH_TIME));
        if (published == null) {
            published = p.getTimestamp() != null ? p.getTimestamp().toInstant() : Instant.now();
        }
        int redeliveries = raw.get(DELIVERY_COUNT) instanceof Number n ? n.intValue() : envelope.isRedeliver() ? 1 : 0;
        MessageId id = p.getMessageId() != null ? MessageId.of(p.getMessageId())
                : MessageId.of(topic + "@" + envelope.getDeliveryTag());
        held.incrementAndGet();
        queue.push(new RawMessage(topic, id, key, () -> headers(raw), body, published, eventTime, redeliveries,
                envelope.getDeliveryTag()));
    }

    /** The message's headers as Courier sees them: without the ones Courier and RabbitMQ use underneath. */
    static Headers headers(Map<String, Object> raw) {
        Map<String, String> h = new TreeMap<>();   // sorted by name, as every backend delivers them
        raw.forEach((name, value) -> {
            if (!name.equals(EVENT_TIME) && !name.equals(PUBLISH_TIME) && !name.equals(KEY)
                    && !name.equals(DELIVERY_COUNT) && !name.equals("x-death") && !name.startsWith("x-first-death")
                    && !name.startsWith("x-last-death")) {
                h.put(name, text(value));
            }
        });
        return Headers.of(h);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    static Instant millis(Object value) {
        if (value instanceof Number n) {
            return Instant.ofEpochMilli(n.longValue());
        }
        if (value != null) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(value.toString()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
