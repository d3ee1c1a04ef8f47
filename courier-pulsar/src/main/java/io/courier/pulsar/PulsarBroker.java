package io.courier.pulsar;

import io.courier.BacklogQuotaExceededException;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.PublisherClosedException;
import io.courier.SubscribeException;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionBusyException;
import io.courier.core.kit.AbstractBroker;
import io.courier.core.kit.FacetedAdmin;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.BrokerErrors;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.ProducerCache;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.TenantNamespaceNaming;
import io.courier.core.spi.TopicNaming;
import io.courier.core.spi.TopicPatterns;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.KeySharedPolicy;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * The Pulsar backend. Producers are cached per topic (a batching one, and a chunking one made on demand for
 * payloads above the broker's message limit); consumers are created per subscription; the client is shared.
 */
final class PulsarBroker extends AbstractBroker {
    private static final System.Logger LOG = System.getLogger(PulsarBroker.class.getName());
    /** Pulsar's default maxMessageSize (5 MiB) less room for metadata: larger payloads are chunked. */
    static final int CHUNKING_THRESHOLD = 5 * 1024 * 1024 - 64 * 1024;

    private final String serviceUrl;
    private final BrokerErrors errors;
    private final PulsarOptions pulsarOptions;
    private final PulsarClient client;
    private final ProducerCache<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> producers =
            new ProducerCache<>(topic -> createProducer(topic, false), Producer::closeAsync);
    private final ProducerCache<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> chunkingProducers =
            new ProducerCache<>(topic -> createProducer(topic, true), Producer::closeAsync);
    private final List<Consumer<byte[]>> consumers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PulsarAdminFacade admin;
    private final BrokerAdmin facets;
    private final QuotaBlocks quotaBlocks;

    PulsarBroker(String serviceUrl, BrokerOptions options, PulsarOptions pulsarOptions) {
        super(serviceUrl, options);
        this.serviceUrl = serviceUrl;
        this.errors = PulsarErrors.of(serviceUrl, pulsarOptions);
        this.pulsarOptions = pulsarOptions;
        this.client = SharedClients.acquire(serviceUrl, pulsarOptions);
        try {
            // refuse unknown native producer and consumer settings now, not at the first publish or subscribe
            ProducerBuilder<byte[]> producerCheck = client.newProducer(Schema.BYTES);
            PulsarNative.load(producerCheck, producerCheck::loadConf, pulsarOptions, PulsarOptions.PRODUCER);
            ConsumerBuilder<byte[]> consumerCheck = client.newConsumer(Schema.BYTES);
            PulsarNative.load(consumerCheck, consumerCheck::loadConf, pulsarOptions, PulsarOptions.CONSUMER);
            probe();
        } catch (RuntimeException e) {
            SharedClients.release(serviceUrl, pulsarOptions, options.closeTimeout());
            throw e;
        }
        this.admin = new PulsarAdminFacade(adminUrl(), pulsarOptions, serviceUrl);
        this.facets = FacetedAdmin.builder("pulsar").topics(admin).quotas(admin).cursors(admin).peek(admin).build();
        this.quotaBlocks = new QuotaBlocks(serviceUrl, topic -> createProducer(topic, false),
                this::installProducer, options.clock());
    }

    /** Fails fast on a wrong URL, a broker that is down, or rejected credentials. */
    private void probe() {
        TlsPreflight.check(serviceUrl, pulsarOptions);
        Duration timeout = pulsarOptions.get(PulsarOptions.CONNECTION_TIMEOUT).plus(pulsarOptions.get(PulsarOptions.OPERATION_TIMEOUT));
        try {
            client.getPartitionsForTopic("persistent://public/default/courier-connection-probe")
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw errors.connect(e instanceof java.util.concurrent.TimeoutException
                    ? new java.util.concurrent.TimeoutException("no answer within " + timeout) : e);
        }
    }

    private String adminUrl() {
        if (pulsarOptions.get(PulsarOptions.ADMIN_URL) != null) {
            return pulsarOptions.get(PulsarOptions.ADMIN_URL);
        }
        java.net.URI u = java.net.URI.create(serviceUrl);
        return serviceUrl.startsWith("pulsar+ssl") ? "https://" + u.getHost() + ":8443" : "http://" + u.getHost() + ":8080";
    }

    // ------------------------------------------------------------------ publish

    @Override
    protected CompletableFuture<MessageId> send(OutboundMessage m) {
        // over the threshold only with chunking on: without it Capabilities declares the threshold as the limit
        boolean large = m.payload().length > CHUNKING_THRESHOLD;
        BacklogQuotaExceededException refused = quotaBlocks.refusal(m.topic());
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        ProducerCache<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> cache = large ? chunkingProducers : producers;
        ProducerCache.Slot<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> producer = cache.slot(m.topic());
        Producer<byte[]> ready = producer.ready();
        CompletableFuture<org.apache.pulsar.client.api.MessageId> sent = ready != null ? send(ready, m)
                : producer.send(p -> send(p, m));
        // the stage keeps only the topic, not the message: a million pending publishes hold their stages alive
        String topic = m.topic();
        CompletableFuture<MessageId> result = newPublishResult();
        sent.whenComplete((id, error) -> {
            if (error == null) {
                result.complete(MessageId.lazy(id::toString));
                return;
            }
            Throwable cause = BrokerErrors.unwrap(error);
            if (QuotaBlocks.isQuota(cause)) {
                // a producer the broker blocked keeps reconnecting with growing backoff and queues later
                // publishes behind it: drop it, and refuse at once until the broker accepts a new producer
                cache.evict(topic, producer);
                quotaBlocks.block(topic, cause.getMessage());
            } else if (producer.isEvicted() && cause instanceof PulsarClientException.AlreadyClosedException) {
                // queued on the producer dropped for the quota: refused for the quota, not for a closed producer
                cause = quotaBlocks.refusal(topic) != null ? quotaBlocks.refusal(topic)
                        : new PulsarClientException.ProducerBlockedQuotaExceededException(cause.getMessage());
            }
            result.completeExceptionally(errors.publish(cause, topic));
        });
        return result;
    }

    private static CompletableFuture<org.apache.pulsar.client.api.MessageId> send(Producer<byte[]> p, OutboundMessage m) {
        TypedMessageBuilder<byte[]> b = p.newMessage().value(m.payload());
        if (!m.headers().isEmpty()) {
            b.properties(m.headers().asMap());
        }
        if (m.key() != null) {
            b.key(m.key());
        }
        if (m.eventTime() != null) {
            b.eventTime(m.eventTime().toEpochMilli());
        }
        if (m.deliverAt() != null) {
            b.deliverAt(m.deliverAt().toEpochMilli());
        }
        return b.sendAsync();
    }

    private void installProducer(String topic, Producer<byte[]> producer) {
        producers.install(topic, producer);
    }

    private CompletableFuture<Producer<byte[]>> createProducer(String topic, boolean chunked) {
        ProducerBuilder<byte[]> raw = client.newProducer(Schema.BYTES);
        ProducerBuilder<byte[]> b = PulsarNative.load(raw, raw::loadConf, pulsarOptions, PulsarOptions.PRODUCER)
                .blockIfQueueFull(true)
                .sendTimeout((int) options().publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .compressionType(pulsarOptions.get(PulsarOptions.COMPRESSION));
        if (chunked) {
            b.enableBatching(false).enableChunking(true).chunkMaxMessageSize(1024 * 1024);
        } else {
            b.enableBatching(pulsarOptions.get(PulsarOptions.BATCHING_MAX_MESSAGES).intValue() > 1)
                    .batchingMaxMessages(pulsarOptions.get(PulsarOptions.BATCHING_MAX_MESSAGES).intValue())
                    .batchingMaxPublishDelay(Math.max(1, pulsarOptions.get(PulsarOptions.BATCHING_MAX_PUBLISH_DELAY).toNanos() / 1000), TimeUnit.MICROSECONDS)
                    .batcherBuilder(BatcherBuilder.KEY_BASED);
        }
        pulsarOptions.producerCustomizer().accept(b);
        // the topic is set last so that no customizer can break the per-topic producer cache
        return b.topic(topic).createAsync();
    }

    // ------------------------------------------------------------------ subscribe

    @Override
    protected RawConsumer openConsumer(SubscribeOptions o) {
        ConsumerBuilder<byte[]> raw = client.newConsumer(Schema.BYTES);
        ConsumerBuilder<byte[]> b = PulsarNative.load(raw, raw::loadConf, pulsarOptions, PulsarOptions.CONSUMER)
                .subscriptionName(o.subscription())
                .subscriptionType(type(o.type()))
                .subscriptionInitialPosition(o.initialPosition() == InitialPosition.EARLIEST
                        ? SubscriptionInitialPosition.Earliest : SubscriptionInitialPosition.Latest)
                .receiverQueueSize(Math.max(1, Math.min(o.maxInFlight(), 1000)))
                .negativeAckRedeliveryDelay(Math.max(1, pulsarOptions.get(PulsarOptions.NACK_DELAY).toMillis()), TimeUnit.MILLISECONDS)
                // Handlers finish out of order and each message is acked on its own: without batch-index acks a
                // crashed or restarted consumer gets every message of a partly acked batch again, not only the
                // unfinished ones (brokers since 3.0 keep batch-index acks by default).
                .enableBatchIndexAcknowledgment(true);
        if (o.type() == io.courier.SubscriptionType.KEY_SHARED) {
            b.keySharedPolicy(KeySharedPolicy.autoSplitHashRange());
        }
        if (o.topicPattern().isPresent()) {
            b.topicsPattern(pulsarPattern(o)).patternAutoDiscoveryPeriod(1, TimeUnit.SECONDS);
        } else {
            b.topic(o.topic().orElseThrow());
        }
        pulsarOptions.consumerCustomizer().accept(b);
        Consumer<byte[]> consumer;
        try {
            consumer = b.subscribe();
        } catch (PulsarClientException e) {
            String where = "subscription '" + o.subscription() + "' on '" + o.topicDescription() + "' (" + url() + ")";
            String reason = errors.reason(e);
            if (e instanceof PulsarClientException.ConsumerBusyException) {
                throw new SubscriptionBusyException(where + " is busy: " + reason, e);
            }
            throw new SubscribeException("cannot open " + where + ": " + e.getClass().getSimpleName() + ": " + reason, e);
        }
        consumers.add(consumer);
        return new PulsarRawConsumer(consumer, () -> consumers.remove(consumer));
    }

    /**
     * The subscription's pattern as Pulsar needs it: qualified with {@code persistent://public/default/} when it names
     * no namespace (as {@code memory://} matches short names), and refusing the dead-letter topics it must not match
     * ({@link TopicPatterns}). Pulsar takes the namespace from the pattern's text and matches the rest against the
     * topic's local name, so the exclusion goes after the namespace.
     */
    static java.util.regex.Pattern pulsarPattern(SubscribeOptions o) {
        java.util.regex.Pattern given = o.topicPattern().orElseThrow();
        String source = given.pattern();
        String namespace = "persistent://public/default/";
        String local = source;
        int scheme = source.indexOf("://");
        if (scheme >= 0) {
            int tenantEnd = source.indexOf('/', scheme + 3);
            int namespaceEnd = tenantEnd < 0 ? -1 : source.indexOf('/', tenantEnd + 1);
            if (namespaceEnd < 0) {
                throw new SubscribeException("topic pattern '" + source + "' names no namespace: Pulsar matches within "
                        + "one namespace, e.g. persistent://public/default/orders-.* or just orders-.*");
            }
            namespace = source.substring(0, namespaceEnd + 1);
            local = source.substring(namespaceEnd + 1);
        }
        return java.util.regex.Pattern.compile(namespace + TopicPatterns.deadLetterExclusion(o, TenantNamespaceNaming.instance()) + "(?:" + local + ")",
                given.flags());
    }

    private static SubscriptionType type(io.courier.SubscriptionType t) {
        return switch (t) {
            case EXCLUSIVE -> SubscriptionType.Exclusive;
            case SHARED -> SubscriptionType.Shared;
            case FAILOVER -> SubscriptionType.Failover;
            case KEY_SHARED -> SubscriptionType.Key_Shared;
        };
    }

    @Override
    public Capabilities capabilities() {
        return pulsarOptions.get(PulsarOptions.CHUNKING) ? CAPABILITIES : WITHOUT_CHUNKING;
    }

    private static Capabilities.Builder capabilities(boolean chunking) {
        Capabilities.Builder b = Capabilities.builder("pulsar")
                .delayedDeliveryTypes(io.courier.SubscriptionType.SHARED, io.courier.SubscriptionType.KEY_SHARED)
                .note(Capability.DELAYED_DELIVERY, "honoured on SHARED and KEY_SHARED subscriptions; Pulsar delivers "
                        + "delayed messages at once to EXCLUSIVE and FAILOVER subscriptions")
                .exactBacklogQuota(false)
                .note(Capability.BACKLOG_QUOTA, "the broker measures the backlog in storage bytes, about once a second")
                .without(Capability.REQUEST_REPLY, "not on this backend yet: publish the request with a reply topic of "
                        + "your own in a header, and subscribe to that topic for the reply")
                .without(Capability.TRANSACTIONS, "make handlers idempotent (at-least-once delivery) instead; Pulsar "
                        + "transactions are not mapped by Courier yet");
        return chunking ? b.maxPayloadBytes(0).note(Capability.LARGE_PAYLOADS, "payloads above the broker's 5 MiB frame "
                + "are chunked (option chunking)") : b.maxPayloadBytes(CHUNKING_THRESHOLD).without(Capability.LARGE_PAYLOADS,
                "turn chunking on (option chunking, the default) or store the payload elsewhere and publish a reference");
    }

    private static final Capabilities CAPABILITIES = capabilities(true).build();
    private static final Capabilities WITHOUT_CHUNKING = capabilities(false).build();

    @Override
    protected TopicNaming naming() {
        return TenantNamespaceNaming.instance();
    }

    @Override
    public BrokerAdmin admin() {
        return facets;
    }

    // ------------------------------------------------------------------ close

    @Override
    protected void closeBackend(Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        quotaBlocks.close();
        for (Consumer<byte[]> c : consumers) {
            c.closeAsync();
        }
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (ProducerCache<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> cache : List.of(producers, chunkingProducers)) {
            closing.addAll(cache.finishAll(p -> p.flushAsync().thenCompose(v -> p.closeAsync())));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(deadline.remainingNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.WARNING, "closing producers of {0} did not finish cleanly: {1}", url(), e.toString());
        }
        for (ProducerCache<Producer<byte[]>, org.apache.pulsar.client.api.MessageId> cache : List.of(producers, chunkingProducers)) {
            cache.abandonWaiting(topic -> new PublisherClosedException("publish to '" + topic + "' on " + url()
                    + " abandoned: the broker was closed before the publisher for the topic could be created; nothing was sent"));
        }
        admin.close();
        SharedClients.release(serviceUrl, pulsarOptions, deadline.remaining());
    }
}
