package io.courier.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.courier.MessageId;
import io.courier.NoResponderException;
import io.courier.PublishException;
import io.courier.SubscribeException;
import io.courier.core.spi.BrokerErrors;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/reply the way RabbitMQ does it natively. A request is published, mandatory, to the direct exchange
 * {@value #EXCHANGE} with its topic as the routing key and RabbitMQ's direct reply-to as its reply address; the
 * responders of one subscription name consume one auto-deleted queue bound there by the topic, so one of them takes
 * each request, and the reply goes straight back to the requesting channel. A request no queue is bound for (nobody
 * listening) is returned by the broker at once: a {@link NoResponderException}. Requests are not persisted. One
 * channel of the broker's connection carries every request and reply; each responder consumes on a channel of its
 * own. Thread-safe.
 */
final class RabbitRequests {
    /** The exchange requests go through; a topic of this name is refused (see {@link RabbitTopicNaming}). */
    static final String EXCHANGE = "courier.requests";
    private static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

    private final Connection connection;
    private final BrokerErrors errors;
    private final String url;
    private final Duration drainTimeout;
    private final Map<String, CompletableFuture<RawReply>> waiting = new ConcurrentHashMap<>();
    private final String idPrefix = UUID.randomUUID().toString().substring(0, 13) + "-";
    private final AtomicLong ids = new AtomicLong();
    private Channel channel;

    RabbitRequests(Connection connection, BrokerErrors errors, String url, Duration drainTimeout) {
        this.connection = connection;
        this.errors = errors;
        this.url = url;
        this.drainTimeout = drainTimeout;
    }

    /** The requests' channel, made on first use: consuming the direct reply-to, hearing returned requests. */
    private synchronized Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            Channel c = connection.createChannel();
            c.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true);
            c.addReturnListener(r -> {
                CompletableFuture<RawReply> f = waiting.remove(String.valueOf(r.getProperties().getCorrelationId()));
                if (f != null) {
                    f.completeExceptionally(new NoResponderException("nobody answers requests on '" + r.getRoutingKey()
                            + "' on " + url + ": no responder is listening"));
                }
            });
            c.basicConsume(DIRECT_REPLY_TO, true, (tag, d) -> {
                CompletableFuture<RawReply> f = waiting.remove(String.valueOf(d.getProperties().getCorrelationId()));
                if (f != null) {
                    Map<String, Object> h = d.getProperties().getHeaders();
                    f.complete(new RawReply(d.getBody(), RabbitConsumer.headers(h == null ? Map.of() : h)));
                }
            }, tag -> { });
            channel = c;
        }
        return channel;
    }

    CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        String topic = request.topic();
        String id = idPrefix + ids.incrementAndGet();
        CompletableFuture<RawReply> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        // forgotten at the timeout: a reply after it finds nobody waiting and is dropped
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> waiting.remove(id));
        Map<String, Object> headers = new HashMap<>(request.headers().asMap());
        if (request.key() != null) {
            headers.put(RabbitConsumer.KEY, request.key());
        }
        if (request.eventTime() != null) {
            headers.put(RabbitConsumer.EVENT_TIME, request.eventTime().toEpochMilli());
        }
        AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().correlationId(id).replyTo(DIRECT_REPLY_TO)
                .headers(headers).build();
        try {
            Channel c = channel();
            synchronized (this) {
                c.basicPublish(EXCHANGE, topic, true, p, request.payload());
            }
        } catch (IOException | RuntimeException e) {
            waiting.remove(id);
            reply.completeExceptionally(new PublishException("request on '" + topic + "' on " + url + " failed: "
                    + errors.reason(e), e));
        }
        return reply;
    }

    Runnable listen(String topic, String group, RequestSink sink) {
        String queue = "courier.request::" + topic + "::" + group;
        if (queue.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new SubscribeException("cannot respond on '" + topic + "' as '" + group + "' on " + url + ": the "
                    + "queue name '" + queue + "' is longer than RabbitMQ's 255 bytes; use shorter names");
        }
        try {
            Channel c = connection.createChannel();
            c.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true);
            // not durable, deleted with its last consumer: requests are answered now or never
            c.queueDeclare(queue, false, false, true, Map.of("x-queue-type", "classic"));
            c.queueBind(queue, EXCHANGE, topic);
            CompletableFuture<Void> cancelled = new CompletableFuture<>();
            String tag = c.basicConsume(queue, true, new DefaultConsumer(c) {
                @Override
                public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] body) {
                    if (p.getReplyTo() != null && p.getCorrelationId() != null) {
                        sink.request(request(topic, p, body), r -> answer(p, r));
                    }
                }

                @Override
                public void handleCancelOk(String consumerTag) {
                    cancelled.complete(null);
                }
            });
            return () -> stop(c, queue, topic, tag, cancelled);
        } catch (IOException | RuntimeException e) {
            throw new SubscribeException("cannot respond on '" + topic + "' as '" + group + "' on " + url + ": "
                    + errors.reason(e), e);
        }
    }

    /**
     * Stops consuming so that nothing is lost: the last consumer of the group's queue first unbinds it, so that a
     * request made from then on is returned at once (no responder) instead of being routed to a queue about to be
     * deleted; then the consumer is cancelled, and the cancellation awaited, so that every request delivered before it
     * is handed on. Two last members stopping at the same instant may both leave the binding; a request routed in
     * that instant gets no reply, and its requester times out.
     */
    private void stop(Channel c, String queue, String topic, String tag, CompletableFuture<Void> cancelled) {
        try {
            if (c.queueDeclarePassive(queue).getConsumerCount() <= 1) {
                c.queueUnbind(queue, EXCHANGE, topic);
            }
            c.basicCancel(tag);
            cancelled.get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // the channel or connection is gone: the requests it held get no reply, and their requesters time out
        }
    }

    private static RawMessage request(String topic, AMQP.BasicProperties p, byte[] body) {
        Map<String, Object> raw = p.getHeaders() == null ? Map.of() : p.getHeaders();
        Object key = raw.get(RabbitConsumer.KEY);
        return new RawMessage(topic, MessageId.of(p.getCorrelationId()), key == null ? null : key.toString(),
                RabbitConsumer.headers(raw), body, Instant.now(), RabbitConsumer.millis(raw.get(RabbitConsumer.EVENT_TIME)),
                0, null);
    }

    private void answer(AMQP.BasicProperties request, RawReply reply) {
        AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().correlationId(request.getCorrelationId())
                .headers(new HashMap<>(reply.headers().asMap())).build();
        try {
            Channel c = channel();
            synchronized (this) {
                c.basicPublish("", request.getReplyTo(), p, reply.payload());
            }
        } catch (IOException | RuntimeException e) {
            // the connection is gone: the requester's timeout tells it no reply came
        }
    }

    void close() {
        waiting.values().forEach(f -> f.completeExceptionally(new PublishException("broker " + url + " closed "
                + "before the reply came")));
        waiting.clear();
    }
}
