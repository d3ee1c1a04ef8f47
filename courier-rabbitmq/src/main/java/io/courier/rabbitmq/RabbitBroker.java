package io.courier.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.ConfigurationException;
import io.courier.DeadLetter;
import io.courier.MessageId;
import io.courier.SubscribeException;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.core.kit.AbstractBroker;
import io.courier.core.kit.FacetedAdmin;
import io.courier.core.spi.BrokerErrors;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import io.courier.core.spi.Timers;
import io.courier.core.spi.TopicNaming;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RabbitMQ as a Courier broker. A topic is a durable fanout exchange named after it; a subscription is a durable
 * queue {@code <topic>::<subscription>} bound to it (a quorum queue unless {@code queueType=CLASSIC}), which keeps
 * messages while no consumer is connected. SHARED consumers compete on the queue. EXCLUSIVE and FAILOVER use a
 * single-active-consumer queue: one consumer receives, the others wait and the next takes over when it leaves;
 * EXCLUSIVE also refuses to join a queue that has a consumer (quorum queues ignore AMQP's exclusive consume). One connection per broker, reconnecting by itself; publishes confirmed on one
 * channel ({@link RabbitPublisher}), each subscription on a channel of its own ({@link RabbitConsumer}). Thread-safe.
 */
final class RabbitBroker extends AbstractBroker {
    private static final AtomicLong CLIENTS = new AtomicLong();
    /** EXCLUSIVE consumers in this JVM, by node, virtual host and queue: closes the check's race between them. */
    private static final Set<String> EXCLUSIVE_HERE = ConcurrentHashMap.newKeySet();
    /** How long a consumer that has left may still be counted by its queue. */
    private static final Duration LEAVING = Duration.ofMillis(500);

    private final RabbitSettings settings;
    private final BrokerErrors errors;
    private final Connection connection;
    private final ScheduledExecutorService worker;
    private final RabbitPublisher publisher;
    private final RabbitAdmin rabbitAdmin;
    private final BrokerAdmin admin;
    private final Capabilities capabilities;
    private final String idPrefix = UUID.randomUUID().toString().substring(0, 13) + "-";
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Set<RabbitConsumer>> consumersByQueue = new ConcurrentHashMap<>();
    private final RabbitRequests requests;

    RabbitBroker(String redactedUrl, BrokerOptions options, RabbitSettings settings) {
        super(redactedUrl, options);
        this.settings = settings;
        this.errors = RabbitErrors.of(redactedUrl, settings);
        this.connection = connect(settings, "courier-" + CLIENTS.incrementAndGet());
        this.worker = Executors.newSingleThreadScheduledExecutor(Timers.daemonThreads("courier-rabbitmq-publisher"));
        this.rabbitAdmin = new RabbitAdmin(connection, settings, errors, this::heldHere);
        try {
            this.publisher = new RabbitPublisher(connection, redactedUrl, errors,
                    !settings.get(RabbitSettings.DROP_UNROUTABLE), topic -> rabbitAdmin.onChannel("declare topic '"
                    + topic + "'", ch -> ch.exchangeDeclare(topic, BuiltinExchangeType.FANOUT, true)), worker);
        } catch (IOException e) {
            connection.abort();
            worker.shutdownNow();
            throw errors.connect(e);
        }
        this.admin = FacetedAdmin.builder("rabbitmq").topics(rabbitAdmin).cursors(rabbitAdmin)
                .withoutQuotas("set a max-length policy with overflow reject-publish on the subscription's queue "
                        + "(rabbitmqctl set_policy): a publish it refuses then fails with a PublishException")
                .withoutPeek("RabbitMQ keeps messages only in subscriptions' queues and cannot show one without "
                        + "taking it; read the dead-letter topic with 'courier dlq', or use the management UI's "
                        + "'Get messages'")
                .build();
        this.capabilities = capabilitiesOf(settings.get(RabbitSettings.MAX_MESSAGE_BYTES));
        this.requests = new RabbitRequests(connection, errors, redactedUrl, options.closeTimeout());
    }

    private Connection connect(RabbitSettings s, String name) {
        ConnectionFactory f = new ConnectionFactory();
        f.setVirtualHost(s.vhost());
        f.setUsername(s.username());
        f.setPassword(s.password());
        int timeout = (int) Math.min(Integer.MAX_VALUE, s.get(RabbitSettings.CONNECT_TIMEOUT).toMillis());
        f.setConnectionTimeout(timeout);
        f.setHandshakeTimeout(timeout);
        f.setChannelRpcTimeout(timeout);
        f.setShutdownTimeout(0);
        // a dead peer is noticed within about 2 heartbeats; the default 60 s would hold publishes that long
        f.setRequestedHeartbeat(5);
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(s.get(RabbitSettings.RECOVERY_INTERVAL).toMillis());
        try {
            if (s.tls()) {
                f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                if (s.get(RabbitSettings.TLS_HOSTNAME_VERIFICATION)) {
                    f.enableHostnameVerification();
                }
            }
            return f.newConnection(s.addresses(), name);
        } catch (IOException | java.util.concurrent.TimeoutException | java.security.GeneralSecurityException e) {
            throw errors.connect(e);
        }
    }

    /** The queue of {@code subscription} on {@code topic}. */
    static String queueName(String topic, String subscription) {
        return queuePrefix(topic) + subscription;
    }

    static String queuePrefix(String topic) {
        return topic + "::";
    }

    @Override
    protected java.util.concurrent.CompletableFuture<MessageId> send(OutboundMessage m) {
        String key = m.key();
        // the key travels as the routing key (the fanout exchange ignores it), in a header when too long for one
        boolean keyInHeader = key != null && key.getBytes(StandardCharsets.UTF_8).length > 255;
        Map<String, Object> headers = new HashMap<>((m.headers().size() + 3) * 2);
        headers.putAll(m.headers().asMap());
        headers.put(RabbitConsumer.PUBLISH_TIME, System.currentTimeMillis());
        if (m.eventTime() != null) {
            headers.put(RabbitConsumer.EVENT_TIME, m.eventTime().toEpochMilli());
        }
        if (keyInHeader) {
            headers.put(RabbitConsumer.KEY, key);
        }
        MessageId id = MessageId.of(idPrefix + ids.incrementAndGet());
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(2)
                .messageId(id.value()).headers(headers).build();
        var result = newPublishResult();
        publisher.publish(new RabbitPublisher.Outgoing(m.topic(), key == null || keyInHeader ? "" : key, properties,
                m.payload(), options().publishTimeout(), id, result));
        return result;
    }

    @Override
    protected java.util.concurrent.CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        return requests.exchange(request, timeout);
    }

    @Override
    protected Runnable listen(String topic, String group, RequestSink sink) {
        return requests.listen(topic, group, sink);
    }

    @Override
    protected RawConsumer openConsumer(SubscribeOptions o) {
        String topic = o.topic().orElseThrow();
        String sub = o.subscription();
        String queue = queueName(topic, sub);
        String what = "'" + sub + "' to '" + topic + "' on " + url();
        if (queue.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new ConfigurationException("cannot subscribe " + what + ": its queue name '" + queue + "' is longer "
                    + "than RabbitMQ's 255 bytes; use a shorter topic or subscription name");
        }
        declare(o, topic, queue, what);
        boolean exclusive = o.type() == SubscriptionType.EXCLUSIVE;
        String exclusiveKey = settings.addresses() + "|" + settings.vhost() + "|" + queue;
        if (exclusive) {
            claimExclusive(exclusiveKey, queue, what);
        }
        Channel channel = null;
        try {
            channel = connection.createChannel();
            int prefetch = Math.max(1, o.maxInFlight());
            channel.basicQos(prefetch);
            Set<RabbitConsumer> onQueue = consumersByQueue.computeIfAbsent(queue, q -> ConcurrentHashMap.newKeySet());
            RabbitConsumer[] self = new RabbitConsumer[1];
            self[0] = RabbitConsumer.start(channel, queue, topic, prefetch, settings.get(RabbitSettings.NACK_DELAY), () -> {
                onQueue.remove(self[0]);
                if (exclusive) {
                    EXCLUSIVE_HERE.remove(exclusiveKey);
                }
            });
            onQueue.add(self[0]);
            return self[0].raw();
        } catch (IOException | RuntimeException e) {
            if (exclusive) {
                EXCLUSIVE_HERE.remove(exclusiveKey);
            }
            if (channel != null) {
                try {
                    channel.abort();
                } catch (IOException | RuntimeException ignored) {
                    // refused channels are closed by the broker already
                }
            }
            throw new SubscribeException("cannot subscribe " + what + ": " + errors.reason(e), e);
        }
    }

    /**
     * An EXCLUSIVE subscription is a single-active-consumer queue that nobody else consumes: refused while the queue
     * has a consumer. Two processes passing the check at the same moment cannot both be active: the queue delivers to
     * one, the other waits as its standby.
     */
    private void claimExclusive(String key, String queue, String what) {
        if (!EXCLUSIVE_HERE.add(key)) {
            throw new SubscriptionBusyException("cannot subscribe " + what + ": the subscription is EXCLUSIVE and "
                    + "already has a consumer in this process");
        }
        // a quorum queue counts a consumer that has just left for a few milliseconds more (its log applies the
        // cancellation after confirming it): a consumer still counted is asked about again for a moment
        long until = System.nanoTime() + LEAVING.toNanos();
        int consumers;
        while ((consumers = rabbitAdmin.queue(queue).map(AMQP.Queue.DeclareOk::getConsumerCount).orElse(0)) > 0
                && System.nanoTime() - until < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        if (consumers > 0) {
            EXCLUSIVE_HERE.remove(key);
            throw new SubscriptionBusyException("cannot subscribe " + what + ": the subscription is EXCLUSIVE and its "
                    + "queue already has " + consumers + " consumer(s)");
        }
    }

    /** Messages of {@code queue} delivered to this broker's consumers and not yet settled. */
    private long heldHere(String queue) {
        Set<RabbitConsumer> on = consumersByQueue.get(queue);
        return on == null ? 0 : on.stream().mapToLong(RabbitConsumer::held).sum();
    }

    /**
     * Declares the topic's exchange, the subscription's queue bound to it and, for a quorum queue, the dead-letter
     * topic with its keeping queue, where RabbitMQ moves a message delivered {@code deliveryLimit} times.
     */
    private void declare(SubscribeOptions o, String topic, String queue, String what) {
        boolean quorum = settings.get(RabbitSettings.QUEUE_TYPE) == RabbitSettings.QueueType.QUORUM;
        // letters are not dead-lettered again: a dead-letter topic's subscriptions get no dead-letter topic of their own
        boolean deadLetters = quorum && !topic.endsWith(naming().deadLetterSuffix())
                && !o.subscription().equals(DeadLetter.KEEPING_SUBSCRIPTION);
        String deadLetterTopic = o.deadLetterTopic().orElse(naming().deadLetterTopic(topic, o.subscription()));
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", quorum ? "quorum" : "classic");
        if (o.type() != SubscriptionType.SHARED) {
            args.put("x-single-active-consumer", true);
        }
        if (deadLetters) {
            args.put("x-delivery-limit", settings.get(RabbitSettings.DELIVERY_LIMIT));
            args.put("x-dead-letter-exchange", deadLetterTopic);
        }
        rabbitAdmin.onChannel("subscribe " + what, ch -> {
            ch.exchangeDeclare(topic, BuiltinExchangeType.FANOUT, true);
            if (deadLetters) {
                String keeping = queueName(deadLetterTopic, DeadLetter.KEEPING_SUBSCRIPTION);
                ch.exchangeDeclare(deadLetterTopic, BuiltinExchangeType.FANOUT, true);
                // read by DeadLetters with an EXCLUSIVE subscription: a single-active-consumer queue
                ch.queueDeclare(keeping, true, false, false, Map.of("x-queue-type", "quorum",
                        "x-single-active-consumer", true));
                ch.queueBind(keeping, deadLetterTopic, "");
            }
            try {
                ch.queueDeclare(queue, true, false, false, args);
            } catch (IOException e) {
                if (RabbitErrors.replyCode(e) == AMQP.PRECONDITION_FAILED) {
                    throw new SubscribeException("cannot subscribe " + what + ": its queue '" + queue + "' exists with "
                            + "other settings (RabbitMQ: " + RabbitErrors.replyText(e) + "); a queue keeps the "
                            + "queueType it was made with, and whether it is SHARED or not (EXCLUSIVE and FAILOVER "
                            + "share single-active-consumer queues): delete it, or use another subscription name", e);
                }
                throw e;
            }
            ch.queueBind(queue, topic, "");
            return null;
        });
    }

    @Override
    protected void closeBackend(Duration timeout) {
        publisher.close();
        requests.close();
        worker.shutdownNow();
        try {
            connection.close((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        } catch (IOException | RuntimeException e) {
            connection.abort(0);
        }
    }

    @Override
    protected TopicNaming naming() {
        return RabbitTopicNaming.INSTANCE;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    private static Capabilities capabilitiesOf(long maxPayload) {
        return Capabilities.builder("rabbitmq")
                .without(SubscriptionType.KEY_SHARED, "RabbitMQ has no per-key split of one queue; use FAILOVER (one "
                        + "consumer at a time, in order) or SHARED with ordering PER_KEY within each consumer, or "
                        + "Pulsar or Kafka for KEY_SHARED")
                .note(Capability.PER_MESSAGE_ACK, "each message is acknowledged on its own; one handed back returns "
                        + "to its queue after nackDelayMs; a quorum queue moves a message delivered deliveryLimit "
                        + "times (20 by default) to the subscription's dead-letter topic")
                .without(Capability.DELAYED_DELIVERY, "RabbitMQ holds no message until a time without its community "
                        + "delayed-message plugin: publish when it is due, or let the handler's RetryPolicy wait in "
                        + "process")
                .delayedDeliveryTypes()
                .without(Capability.BACKLOG_QUOTA, "set a max-length policy with overflow reject-publish on the "
                        + "subscription's queue: a publish it refuses then fails with a PublishException")
                .without(Capability.PARTITIONS, "a topic is one exchange; several consumers of a SHARED subscription "
                        + "already share its load")
                .without(Capability.RETENTION, "RabbitMQ keeps a message only until every subscription's queue has it "
                        + "acknowledged, and a new subscription starts empty: read history from Kafka or Pulsar")
                .without(Capability.TOPIC_PATTERNS, "subscribe to each topic by name")
                .maxPayloadBytes(maxPayload)
                .without(Capability.LARGE_PAYLOADS, "raise RabbitMQ's max_message_size and maxMessageBytes together, "
                        + "or store the payload elsewhere and publish a reference")
                .note(Capability.REQUEST_REPLY, "native: requests through the direct exchange courier.requests to a "
                        + "queue per responder group, replies by direct reply-to; nobody listening: the request is "
                        + "returned at once (NoResponderException)")
                .without(Capability.TRANSACTIONS, "make handlers idempotent (at-least-once delivery) instead; AMQP "
                        + "transactions are not mapped by Courier")
                .lazyAcks(false)
                .build();
    }

    @Override
    public BrokerAdmin admin() {
        return admin;
    }
}
