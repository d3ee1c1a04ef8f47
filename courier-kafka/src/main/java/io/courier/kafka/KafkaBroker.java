package io.courier.kafka;

import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.SubscribeException;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.core.kit.AbstractBroker;
import io.courier.core.kit.FacetedAdmin;
import io.courier.core.spi.BrokerErrors;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.TopicNaming;
import io.courier.core.spi.TopicPatterns;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka cluster as a Courier broker: one idempotent producer ({@code acks=all}) for every topic, and one consumer
 * group member per subscription ({@link KafkaGroupConsumer}). A subscription is a consumer group named after it.
 * Thread-safe.
 */
final class KafkaBroker extends AbstractBroker {
    /** Members of EXCLUSIVE subscriptions in this JVM, by cluster and group: closes the check's race between them. */
    private static final Set<String> EXCLUSIVE_HERE = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger(KafkaBroker.class.getName());
    /** Longest a subscribe waits for partitions to reach the new member from the others (a few heartbeats). */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(15);

    private final KafkaSettings settings;
    private final BrokerErrors errors;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaSends sends;
    private final Admin admin;
    private final KafkaAdmin brokerAdmin;
    private final BrokerAdmin facets;
    private final Capabilities capabilities;
    private final Set<KafkaGroupConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final Set<KafkaSharedConsumer> sharedConsumers = ConcurrentHashMap.newKeySet();
    private final long maxPayload;
    private final String clientPrefix;
    private volatile LastHeaders lastHeaders;

    KafkaBroker(String redactedUrl, BrokerOptions options, KafkaSettings settings) {
        super(redactedUrl, options);
        this.settings = settings;
        this.maxPayload = settings.get(KafkaSettings.MAX_MESSAGE_BYTES);
        this.clientPrefix = "courier-" + CLIENTS.incrementAndGet();
        this.errors = KafkaErrors.of(redactedUrl, settings);
        this.admin = KafkaErrors.creating("the admin client", redactedUrl, errors,
                () -> Admin.create(settings.common(clientPrefix + "-admin")));
        try {
            admin.describeCluster().clusterId().get(settings.get(KafkaSettings.API_TIMEOUT).toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            admin.close(Duration.ZERO);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // The admin client's own call timeout equals ours, so either may fire first: both mean the same to a user.
            boolean noAnswer = e instanceof java.util.concurrent.TimeoutException
                    || e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
            throw errors.connect(noAnswer
                    ? new org.apache.kafka.common.errors.TimeoutException("no answer within "
                    + settings.get(KafkaSettings.API_TIMEOUT).toMillis() + " ms") : e);
        }
        try {
            this.producer = KafkaErrors.creating("the producer", redactedUrl, errors,
                    () -> new KafkaProducer<>(producerProperties(options), new ByteArraySerializer(), new ByteArraySerializer()));
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
        this.sends = new KafkaSends(producer, options.publishTimeout(), clientPrefix);
        this.brokerAdmin = new KafkaAdmin(admin, settings, redactedUrl);
        this.facets = FacetedAdmin.builder("kafka").topics(brokerAdmin).cursors(brokerAdmin).peek(brokerAdmin)
                .withoutQuotas("bound the topic by retention (retention.bytes / retention.ms) and watch the "
                        + "subscription's lag").build();
        this.capabilities = capabilitiesOf(maxPayload);
    }

    private Properties producerProperties(BrokerOptions options) {
        Properties p = settings.common(clientPrefix + "-producer");
        p.putAll(settings.values().passThrough(KafkaSettings.PRODUCER));
        long publishMs = options.publishTimeout().toMillis();
        long lingerMs = settings.get(KafkaSettings.LINGER).toMillis();
        long requestMs = Math.min(30_000, Math.max(1, publishMs));
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", Long.toString(lingerMs));
        p.put("batch.size", Long.toString(settings.get(KafkaSettings.BATCH_BYTES)));
        p.put("compression.type", settings.get(KafkaSettings.COMPRESSION).name().toLowerCase(java.util.Locale.ROOT));
        // room for headers and the batch's own overhead above the largest payload
        p.put("max.request.size", Long.toString(maxPayload + 64 * 1024));
        p.put("request.timeout.ms", Long.toString(requestMs));
        p.put("delivery.timeout.ms", Long.toString(Math.max(publishMs, lingerMs + requestMs)));
        // a publishing thread never waits long inside the client: KafkaSends parks what the producer cannot take yet
        p.put("max.block.ms", Long.toString(KafkaSends.ATTEMPT.toMillis()));
        return p;
    }

    static MessageId messageId(String topic, int partition, long offset) {
        return MessageId.of(topic + "-" + partition + "@" + offset);
    }

    @Override
    protected CompletableFuture<MessageId> send(OutboundMessage m) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(m.topic(), null,
                m.eventTime() == null ? null : m.eventTime().toEpochMilli(),
                m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8), m.payload(), kafkaHeaders(m.headers()));
        CompletableFuture<MessageId> result = new CompletableFuture<>();
        sends.send(record, (meta, error) -> {
            if (error != null) {
                result.completeExceptionally(errors.publish(error, m.topic()));
            } else {
                result.complete(messageId(meta.topic(), meta.partition(), meta.offset()));
            }
        });
        return result;
    }

    /**
     * Kafka headers of {@code headers}. Most messages carry the one content-type set the core shares per codec: its
     * conversion is kept (by identity) rather than redone per message. Kafka only reads the headers it is given.
     */
    private List<Header> kafkaHeaders(io.courier.Headers headers) {
        LastHeaders last = lastHeaders;
        if (last != null && last.source() == headers) {
            return last.converted();
        }
        List<Header> converted = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> h : headers.asMap().entrySet()) {
            converted.add(new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        List<Header> result = List.copyOf(converted);
        lastHeaders = new LastHeaders(headers, result);
        return result;
    }

    private record LastHeaders(io.courier.Headers source, List<Header> converted) {
    }

    @Override
    protected RawConsumer openConsumer(SubscribeOptions o) {
        String group = o.subscription();
        String what = "'" + group + "' to '" + o.topicDescription() + "' on " + url();
        String exclusiveKey = settings.bootstrapServers() + "|" + group;
        boolean exclusive = o.type() == SubscriptionType.EXCLUSIVE;
        if (exclusive && !EXCLUSIVE_HERE.add(exclusiveKey)) {
            throw new SubscriptionBusyException("cannot subscribe " + what + ": subscription '" + group
                    + "' is EXCLUSIVE and already has a consumer in this process");
        }
        try {
            if (exclusive) {
                int members = brokerAdmin.activeMembers(group);
                if (members > 0) {
                    throw new SubscriptionBusyException("cannot subscribe " + what + ": subscription '" + group
                            + "' is EXCLUSIVE and its consumer group already has " + members + " member(s)");
                }
            }
            boolean earliest = o.initialPosition() == InitialPosition.EARLIEST;
            if (o.type() == SubscriptionType.SHARED) {
                return openShared(o, what);
            }
            o.topic().ifPresent(topic -> {
                brokerAdmin.createIfMissing(topic);
                brokerAdmin.createSubscription(group, topic, earliest);
            });
            Properties properties = consumerProperties(o);
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            KafkaGroupConsumer[] holder = new KafkaGroupConsumer[1];
            KafkaGroupConsumer c = new KafkaGroupConsumer(consumer, what, Math.max(1, o.maxInFlight()),
                    settings.get(KafkaSettings.COMMIT_INTERVAL), settings.get(KafkaSettings.NACK_DELAY),
                    options().closeTimeout(),
                    listener -> {
                        if (o.topicPattern().isPresent()) {
                            consumer.subscribe(TopicPatterns.excludingDeadLetters(o, naming()), listener);
                        } else {
                            consumer.subscribe(List.of(o.topic().orElseThrow()), listener);
                        }
                    },
                    () -> {
                        consumers.remove(holder[0]);
                        if (exclusive) {
                            EXCLUSIVE_HERE.remove(exclusiveKey);
                        }
                    });
            holder[0] = c;
            consumers.add(c);
            c.start(settings.get(KafkaSettings.API_TIMEOUT));
            if (o.topic().isPresent() && !brokerAdmin.awaitSettled(group, properties.getProperty("client.id"), SETTLE_WAIT)) {
                LOG.log(System.Logger.Level.INFO, "subscribed " + what + " before its consumer group settled (waited "
                        + SETTLE_WAIT.toSeconds() + " s); partitions may still move between members");
            }
            return c;
        } catch (RuntimeException e) {
            if (exclusive) {
                EXCLUSIVE_HERE.remove(exclusiveKey);
            }
            if (e instanceof SubscribeException || e instanceof io.courier.CourierException) {
                throw e;
            }
            throw new SubscribeException("cannot subscribe " + what + ": " + errors.reason(e), e);
        }
    }

    /** A SHARED subscription: a member of the share group named after it (KIP-932). */
    private RawConsumer openShared(SubscribeOptions o, String what) {
        String topic = o.topic().orElseThrow();
        brokerAdmin.createIfMissing(topic);
        brokerAdmin.createShareSubscription(o.subscription(), topic, o.initialPosition() == InitialPosition.EARLIEST);
        Properties p = settings.common(clientPrefix + "-" + o.subscription() + "-" + CLIENTS.incrementAndGet());
        p.putAll(settings.values().passThrough(KafkaSettings.CONSUMER));
        p.put("group.id", o.subscription());
        p.put("share.acknowledgement.mode", "explicit");
        p.put("max.poll.records", Integer.toString(Math.max(1, Math.min(500, o.maxInFlight()))));
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        KafkaSharedConsumer[] holder = new KafkaSharedConsumer[1];
        KafkaSharedConsumer c = new KafkaSharedConsumer(consumer, what, () -> sharedConsumers.remove(holder[0]));
        holder[0] = c;
        sharedConsumers.add(c);
        try {
            consumer.subscribe(List.of(topic));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            sharedConsumers.remove(c);
            throw e;
        }
        c.start();
        if (!brokerAdmin.awaitShareAssignment(o.subscription(), p.getProperty("client.id"), topic, SETTLE_WAIT)) {
            LOG.log(System.Logger.Level.INFO, "subscribed " + what + " before the share group assigned it partitions "
                    + "(waited " + SETTLE_WAIT.toSeconds() + " s)");
        }
        return c;
    }

    private Properties consumerProperties(SubscribeOptions o) {
        Properties p = settings.common(clientPrefix + "-" + o.subscription() + "-" + CLIENTS.incrementAndGet());
        p.putAll(settings.values().passThrough(KafkaSettings.CONSUMER));
        p.put("group.id", o.subscription());
        p.putIfAbsent("group.protocol", "consumer");
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", o.initialPosition() == InitialPosition.EARLIEST ? "earliest" : "latest");
        p.put("max.poll.records", Integer.toString(Math.max(1, Math.min(500, o.maxInFlight()))));
        if (o.topicPattern().isPresent()) {
            // topics created later are found when the metadata is next refreshed
            p.putIfAbsent("metadata.max.age.ms", "2000");
        }
        return p;
    }

    @Override
    protected void closeBackend(Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        for (KafkaGroupConsumer c : consumers) {
            c.close(deadline.remaining());
        }
        for (KafkaSharedConsumer c : sharedConsumers) {
            c.close(deadline.remaining());
        }
        try {
            sends.close();
            producer.close(deadline.remaining());
        } finally {
            admin.close(deadline.remaining());
        }
    }


    /** Kafka keeps a topic's records by retention, read or not: a dead-letter topic needs no subscription to keep them. */
    @Override
    protected boolean deadLettersNeedASubscription() {
        return false;
    }

    @Override
    protected TopicNaming naming() {
        return KafkaTopicNaming.INSTANCE;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    private static Capabilities capabilitiesOf(long maxPayload) {
        return Capabilities.builder("kafka")
                .note(Capability.PER_MESSAGE_ACK, "EXCLUSIVE, FAILOVER and KEY_SHARED subscriptions are consumer groups: "
                        + "acknowledgements are committed per partition up to the first unacknowledged offset, so after a "
                        + "crash or rebalance everything after it is delivered again. SHARED subscriptions are share "
                        + "groups (KIP-932): each record is acknowledged or released on its own; one released more than "
                        + "group.share.delivery.count.limit times (5 by default) is archived by the broker, and one held "
                        + "past the record lock duration (30 s by default) goes to another member")
                .delayedDeliveryTypes()
                .without(Capability.DELAYED_DELIVERY, "Kafka holds no message until a time: publish when it is due, "
                        + "or let the handler's RetryPolicy wait in process")
                .without(Capability.BACKLOG_QUOTA, "Kafka bounds a topic by retention (retention.bytes / retention.ms) "
                        + "and deletes old data instead of refusing publishers; watch the subscription's lag")
                .maxPayloadBytes(maxPayload)
                .without(Capability.LARGE_PAYLOADS, "raise the broker's message.max.bytes and maxMessageBytes "
                        + "together, or store the payload elsewhere and publish a reference")
                .without(Capability.REQUEST_REPLY, "not on this backend yet: publish the request with a reply topic of "
                        + "your own in a header, and subscribe to that topic for the reply")
                .without(Capability.TRANSACTIONS, "make handlers idempotent (at-least-once delivery) instead; Kafka "
                        + "transactions are not mapped by Courier yet")
                .note(Capability.TOPIC_PATTERNS, "topics created later join within 2 s (metadata.max.age.ms)")
                .lazyAcks(true)
                .build();
    }

    @Override
    public BrokerAdmin admin() {
        return facets;
    }
}
