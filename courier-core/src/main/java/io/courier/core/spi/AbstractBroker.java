package io.courier.core.spi;

import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Capability;
import io.courier.Codec;
import io.courier.CodecException;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.Envelope;
import io.courier.Handler;
import io.courier.Headers;
import io.courier.InitialPosition;
import io.courier.InvalidTopicException;
import io.courier.LifecycleException;
import io.courier.ManualAckHandler;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.PublisherClosedException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.UnsupportedFeatureException;
import io.courier.core.Codecs;
import io.courier.core.DeadLetters;
import io.courier.core.codec.BytesCodec;
import io.courier.core.internal.Closing;
import io.courier.core.internal.Dispatcher;
import io.courier.core.internal.Publishing;
import io.courier.core.internal.RetryTopicConsumer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * Base class of every backend: encoding, the content-type header, delivery times, sync-over-async publishing with
 * the publish timeout, the shared dispatch machinery for subscriptions, and an orderly close. A backend implements
 * {@link #send}, {@link #openConsumer} and {@link #closeBackend}. Subclasses must be thread-safe.
 */
public abstract class AbstractBroker implements Broker {
    private static final System.Logger LOG = System.getLogger(AbstractBroker.class.getName());

    private final String url;
    private final BrokerOptions options;
    private final Codecs codecs;
    private final Codec defaultCodec;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    /**
     * Publishes sent and not yet settled. Striped: the publishing threads add and the client's I/O thread subtracts
     * for every message, and one shared atomic bounced its cache line between them.
     */
    private final LongAdder pendingPublishes = new LongAdder();
    /** Set while {@link #close()} waits for pending publishes: only then does a settled publish wake it. */
    private volatile boolean awaitingPublishes;
    /** One shared callback rather than a lambda per publish: it stays alive as long as the publish is pending. */
    private final java.util.function.BiConsumer<MessageId, Throwable> publishFinished = this::publishFinished;
    private final java.util.Map<String, Headers> contentTypeOnly = new ConcurrentHashMap<>();
    private final Object closeLock = new Object();
    /** Dead-letter topics given their keeping subscription by this broker (see deadLettersNeedASubscription). */
    private final Set<String> retainedDeadLetterTopics = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param redactedUrl the URL with secrets removed, used in every message
     * @param options     validated options
     * @throws CodecException when the default codec does not exist
     */
    protected AbstractBroker(String redactedUrl, BrokerOptions options) {
        this.url = redactedUrl;
        this.options = Objects.requireNonNull(options, "options");
        this.codecs = Codecs.standard();
        this.defaultCodec = codecs.byName(options.defaultCodec());
    }

    /** Sends an encoded message; completes with its id, or exceptionally with a {@link PublishException}. */
    protected abstract CompletableFuture<MessageId> send(OutboundMessage message);

    /**
     * Opens the backend consumer for {@code options}.
     *
     * @throws io.courier.SubscribeException naming the topic and subscription when the broker refuses
     */
    protected abstract RawConsumer openConsumer(SubscribeOptions options);

    /**
     * Flushes and closes publishers, then the connection; subscriptions are already closed. Returns within
     * {@code timeout} (zero when the stages before used the whole close timeout): what has not closed by then is
     * released without waiting, and publishes still waiting are failed.
     */
    protected abstract void closeBackend(Duration timeout);

    /**
     * This backend's topic names: validity beyond {@link io.courier.Topics}, full names, default dead-letter topics.
     * Checked on every publish and subscribe.
     */
    protected abstract TopicNaming naming();

    @Override
    public final String url() {
        return url;
    }

    @Override
    public final BrokerOptions options() {
        return options;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public CompletableFuture<MessageId> publishAsync(Envelope envelope) {
        Objects.requireNonNull(envelope, "envelope");
        if (closed) {
            return CompletableFuture.failedFuture(new PublisherClosedException("cannot publish to '" + envelope.topic()
                    + "': broker " + url + " is closed"));
        }
        OutboundMessage out;
        try {
            String topicProblem = naming().problem(envelope.topic());
            if (topicProblem != null) {
                throw new InvalidTopicException(topicProblem);
            }
            if (envelope.deliverAt().isPresent() || envelope.deliverAfter().isPresent()) {
                capabilities().require(Capability.DELAYED_DELIVERY, "publish to '" + envelope.topic()
                        + "' with a delivery time");
            }
            out = encode(envelope);
        } catch (CourierException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new CodecException("cannot encode payload for topic '"
                    + envelope.topic() + "': " + e, e));
        }
        pendingPublishes.increment();
        CompletableFuture<MessageId> sent;
        try {
            sent = send(out);
        } catch (RuntimeException e) {
            publishFinished(null, null);
            return CompletableFuture.failedFuture(e instanceof CourierException ? e
                    : new PublishException("publish to '" + envelope.topic() + "' on " + url + " failed: " + e, e));
        }
        if (sent instanceof PublishResult) {   // settles the count itself when completed
            return sent;
        }
        if (sent.isDone()) {   // a backend that stores synchronously (memory://) needs no extra stage
            publishFinished(null, null);
            return sent;
        }
        return sent.whenComplete(publishFinished);
    }

    /**
     * A future for {@link #send(OutboundMessage)} to complete and return: completing it settles the publish, so the
     * broker adds no stage of its own to it. For backends whose client completes sends on its I/O thread, where every
     * dependent stage of every message runs (on Pulsar, a second stage per message was a tenth of that thread's time).
     * Call only from {@code send}, once per message.
     */
    protected final CompletableFuture<MessageId> newPublishResult() {
        return new PublishResult(this);
    }

    /** Settles its publish once, on whichever completion comes first. Dependents are plain futures. */
    private static final class PublishResult extends CompletableFuture<MessageId> {
        private final AbstractBroker broker;

        PublishResult(AbstractBroker broker) {
            this.broker = broker;
        }

        @Override
        public boolean complete(MessageId value) {
            return settledIf(super.complete(value));
        }

        @Override
        public boolean completeExceptionally(Throwable error) {
            return settledIf(super.completeExceptionally(error));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return settledIf(super.cancel(mayInterruptIfRunning));
        }

        /** Settles the publish when this call was the one that completed the future. */
        private boolean settledIf(boolean completedNow) {
            if (completedNow) {
                broker.publishFinished(null, null);
            }
            return completedNow;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }

    private void publishFinished(MessageId id, Throwable error) {
        pendingPublishes.decrement();
        if (awaitingPublishes) {
            synchronized (pendingPublishes) {
                pendingPublishes.notifyAll();
            }
        }
    }

    @Override
    public MessageId publish(Envelope envelope) {
        return Publishing.await(publishAsync(envelope), options.publishTimeout(), envelope.topic(), url);
    }

    private OutboundMessage encode(Envelope e) {
        Codec codec = e.codec().map(codecs::byName).orElse(defaultCodec);
        byte[] payload = codec.encode(e.payload());
        // most envelopes carry no headers of their own: share one immutable header set per codec for them
        Headers headers;
        if (codec == defaultCodec && options.omitDefaultContentType() && !e.headers().contains(Headers.CONTENT_TYPE)) {
            headers = e.headers();   // consumers decode a message without a content type with the default codec
        } else if (e.headers().isEmpty()) {
            headers = contentTypeOnly.computeIfAbsent(codec.contentType(), ct -> Headers.of(Headers.CONTENT_TYPE, ct));
        } else if (BytesCodec.NAME.equals(codec.name()) && e.headers().contains(Headers.CONTENT_TYPE)) {
            headers = e.headers();   // bytes relayed as they are (a replayed dead letter): they keep their own type
        } else {
            headers = e.headers().with(Headers.CONTENT_TYPE, codec.contentType());
        }
        Instant deliverAt = e.deliverAt().orElse(null);
        if (e.deliverAfter().isPresent() && !e.deliverAfter().get().isZero()) {
            deliverAt = options.clock().instant().plus(e.deliverAfter().get());
        }
        return new OutboundMessage(e.topic(), payload, e.key().orElse(null), headers, deliverAt,
                e.eventTime().orElse(null));
    }

    @Override
    public <T> Subscription subscribe(SubscribeOptions options, Class<T> payloadType, Handler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        return open(options, payloadType, false, (consumer, onClosed) -> Dispatcher.forHandler(options, consumer,
                payloadType, handler, wiring(options), onClosed));
    }

    @Override
    public <T> Subscription subscribeBatch(SubscribeOptions options, Class<T> payloadType, BatchHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        return open(options, payloadType, true, (consumer, onClosed) -> Dispatcher.forBatchHandler(options, consumer,
                payloadType, handler, wiring(options), onClosed));
    }

    @Override
    public <T> Subscription subscribeManualAck(SubscribeOptions options, Class<T> payloadType,
                                               ManualAckHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        return open(options, payloadType, false, (consumer, onClosed) -> Dispatcher.forManualAckHandler(options,
                consumer, payloadType, handler, wiring(options), onClosed));
    }

    private Dispatcher.Wiring wiring(SubscribeOptions subscribeOptions) {
        String explicit = subscribeOptions.deadLetterTopic().orElse(null);
        TopicNaming naming = naming();
        String sub = subscribeOptions.subscription();
        UnaryOperator<String> deadLetterTopics = explicit != null ? topic -> explicit
                : topic -> naming.deadLetterTopic(topic, sub);
        UnaryOperator<String> retryTopics = subscribeOptions.retry().retryTopicFrom().isPresent()
                ? topic -> naming.retryTopic(topic, sub) : null;
        String suffix = naming.deadLetterSuffix();
        Dispatcher.DeadLetterSink sink = m -> {
            if (m.topic().equals(explicit) || m.topic().endsWith(suffix)) {
                retainDeadLetters(m.topic());
            }
            return send(m);
        };
        return new Dispatcher.Wiring(codecs, options.defaultCodec(), sink, deadLetterTopics, retryTopics,
                options.clock(), options.publishTimeout(), options.closeTimeout());
    }

    /**
     * True (the default) for a backend that keeps a topic's messages only for its subscriptions (Pulsar without a
     * retention policy, memory): before its first dead letter, a dead-letter topic then gets the durable
     * {@value DeadLetters#DEFAULT_SUBSCRIPTION} subscription, so that no letter is dropped for want of a reader. A
     * backend that keeps messages by retention alone (Kafka) returns false.
     */
    protected boolean deadLettersNeedASubscription() {
        return true;
    }

    private void retainDeadLetters(String topic) {
        if (!deadLettersNeedASubscription() || !retainedDeadLetterTopics.add(topic)) {
            return;
        }
        SubscribeOptions keep = SubscribeOptions.builder(topic, DeadLetters.DEFAULT_SUBSCRIPTION)
                .initialPosition(InitialPosition.EARLIEST).codec(BytesCodec.NAME).build();
        try {
            // made and left at once; a letter that arrives meanwhile is never acknowledged here, so it stays pending
            subscribeManualAck(keep, byte[].class, m -> { }).close(Duration.ZERO);
        } catch (SubscriptionBusyException busy) {
            // someone reads the letters through it right now: it exists
        } catch (CourierException e) {
            retainedDeadLetterTopics.remove(topic);   // tried again at the next letter
            LOG.log(System.Logger.Level.WARNING, "cannot make subscription ''{0}'' on dead-letter topic ''{1}'' of {2}: "
                    + "{3}; without it the broker may drop letters nobody reads", DeadLetters.DEFAULT_SUBSCRIPTION, topic,
                    url, e.getMessage());
        }
    }

    /**
     * The subscription's consumer; with a retry topic, joined to a SHARED consumer of that topic (the one kind on
     * which every backend that has delayed delivery honours it) under the same subscription name.
     */
    private RawConsumer openConsumers(SubscribeOptions o) {
        RawConsumer main = openConsumer(o);
        if (o.retry().retryTopicFrom().isEmpty()) {
            return main;
        }
        try {
            String retryTopic = naming().retryTopic(o.topic().orElseThrow(), o.subscription());
            RawConsumer retry = openConsumer(SubscribeOptions.builder(retryTopic, o.subscription())
                    .type(SubscriptionType.SHARED).initialPosition(InitialPosition.EARLIEST)
                    .maxInFlight(o.maxInFlight()).build());
            return new RetryTopicConsumer(main, retry);
        } catch (RuntimeException e) {
            main.close();
            throw e;
        }
    }

    /** A retry topic needs one topic, a handler that takes messages one by one, and delayed delivery on SHARED. */
    private void checkRetryTopic(SubscribeOptions o, boolean batch, String use) {
        if (o.retry().retryTopicFrom().isEmpty()) {
            return;
        }
        if (o.topicPattern().isPresent() || batch) {
            throw new ConfigurationException("retryTopicFrom is for a subscription to one topic with a single-message "
                    + "or manual-acknowledgement handler; " + use + (batch ? " has a batch handler" : " is a pattern"));
        }
        capabilities().require(Capability.DELAYED_DELIVERY, use + " with a retry topic");
        capabilities().require(SubscriptionType.SHARED, use + " with a retry topic");
        if (!capabilities().delayedDeliveryTypes().contains(SubscriptionType.SHARED)) {
            throw new UnsupportedFeatureException(capabilities().backend(), "delayed delivery on SHARED subscriptions",
                    use + " with a retry topic", "leave retryTopicFrom unset: waits stay in process");
        }
    }

    private interface DispatcherFactory<T> {
        Dispatcher<T> create(RawConsumer consumer, Runnable onClosed);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T> Subscription open(SubscribeOptions subscribeOptions, Class<T> payloadType, boolean batch,
                                  DispatcherFactory<T> factory) {
        Objects.requireNonNull(subscribeOptions, "options");
        Objects.requireNonNull(payloadType, "payloadType");
        subscribeOptions.codec().ifPresent(codecs::byName);
        String use = "subscribe to '" + subscribeOptions.topicDescription() + "' as '" + subscribeOptions.subscription() + "'";
        capabilities().require(subscribeOptions.type(), use);
        for (String topic : new String[] {subscribeOptions.topic().orElse(null), subscribeOptions.deadLetterTopic().orElse(null)}) {
            String problem = topic == null ? null : naming().problem(topic);
            if (problem != null) {
                throw new InvalidTopicException(problem);
            }
        }
        if (subscribeOptions.topicPattern().isPresent()) {
            capabilities().require(Capability.TOPIC_PATTERNS, use);
        }
        checkRetryTopic(subscribeOptions, batch, use);
        synchronized (closeLock) {
            if (closed) {
                throw new LifecycleException("cannot subscribe '" + subscribeOptions.subscription() + "' to '"
                        + subscribeOptions.topicDescription() + "': broker " + url + " is closed");
            }
            RawConsumer consumer = openConsumers(subscribeOptions);
            Dispatcher<T>[] holder = new Dispatcher[1];
            Dispatcher<T> dispatcher = factory.create(consumer, () -> subscriptions.remove(holder[0]));
            holder[0] = dispatcher;
            subscriptions.add(dispatcher);
            dispatcher.start();
            return dispatcher;
        }
    }

    /** The subscriptions open on this broker. */
    protected final List<Subscription> openSubscriptions() {
        return new ArrayList<>(subscriptions);
    }

    /**
     * Closes every subscription (draining within the close timeout), waits for pending publishes, then closes the
     * backend. Called from a handler of one of this broker's subscriptions, it returns at once and closes on another
     * thread: a handler cannot wait for its own subscription to drain.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (subscriptions.stream().anyMatch(s -> s instanceof Dispatcher<?> d && d.ownsCurrentThread())) {
            Closing.inBackground("courier-close-" + url, this::closeNow);
            return;
        }
        closeNow();
    }

    private void closeNow() {
        // one deadline for the whole close, not one per stage: a service stopping while its broker is down must
        // still stop within the close timeout, so each stage gets only what the ones before it left
        Duration grace = options.closeTimeout();
        Deadline deadline = Deadline.after(grace);
        Closing.closeAll(openSubscriptions(), grace);
        awaitPendingPublishes(deadline);
        closeBackend(deadline.remaining());
    }

    private void awaitPendingPublishes(Deadline deadline) {
        awaitingPublishes = true;   // before the first check: a publish settled after it sees the flag and wakes us
        synchronized (pendingPublishes) {
            while (pendingPublishes.sum() > 0) {
                long left = deadline.remainingNanos();
                if (left == 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pendingPublishes, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + url + "}";
    }
}
