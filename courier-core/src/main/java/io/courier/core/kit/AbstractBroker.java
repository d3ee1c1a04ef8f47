package io.courier.core.kit;

import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Capability;
import io.courier.CodecException;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Handler;
import io.courier.InitialPosition;
import io.courier.InvalidTopicException;
import io.courier.LifecycleException;
import io.courier.ManualAckHandler;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.PublisherClosedException;
import io.courier.Responder;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.UnsupportedFeatureException;
import io.courier.core.codec.BytesCodec;
import io.courier.core.codec.Codecs;
import io.courier.core.internal.Closing;
import io.courier.core.internal.Dispatcher;
import io.courier.core.internal.HandlerKind;
import io.courier.core.internal.Publishing;
import io.courier.core.internal.Replies;
import io.courier.core.internal.Responding;
import io.courier.core.internal.RetryTopicConsumer;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import io.courier.core.spi.TopicNaming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    private final OutboundEncoder encoder;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final PendingPublishes pending = new PendingPublishes();
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
        this.encoder = new OutboundEncoder(codecs, options, redactedUrl);
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
            out = encoder.encode(envelope, naming(), capabilities());
        } catch (CourierException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new CodecException("cannot encode payload for topic '"
                    + envelope.topic() + "': " + e, e));
        }
        pending.sent();
        CompletableFuture<MessageId> sent;
        try {
            sent = send(out);
        } catch (RuntimeException e) {
            pending.settled();
            return CompletableFuture.failedFuture(e instanceof CourierException ? e
                    : new PublishException("publish to '" + envelope.topic() + "' on " + url + " failed: " + e, e));
        }
        return pending.tracked(sent);
    }

    /**
     * A future for {@link #send(OutboundMessage)} to complete and return: completing it settles the publish, so the
     * broker adds no stage of its own to it. For backends whose client completes sends on its I/O thread, where every
     * dependent stage of every message runs (on Pulsar, a second stage per message was a tenth of that thread's time).
     * Call only from {@code send}, once per message.
     */
    protected final CompletableFuture<MessageId> newPublishResult() {
        return pending.newResult();
    }

    @Override
    public MessageId publish(Envelope envelope) {
        return Publishing.await(publishAsync(envelope), options.publishTimeout(), envelope.topic(), url);
    }

    @Override
    public <T> Subscription subscribe(SubscribeOptions options, Class<T> payloadType, Handler<T> handler) {
        return open(options, payloadType, new HandlerKind.Single<>(handler));
    }

    @Override
    public <T> Subscription subscribeBatch(SubscribeOptions options, Class<T> payloadType, BatchHandler<T> handler) {
        return open(options, payloadType, new HandlerKind.Batch<>(handler));
    }

    @Override
    public <T> Subscription subscribeManualAck(SubscribeOptions options, Class<T> payloadType,
                                               ManualAckHandler<T> handler) {
        return open(options, payloadType, new HandlerKind.Manual<>(handler));
    }

    /**
     * Sends an encoded request to the responders of its topic; completes with the reply as sent, or exceptionally with
     * a {@link io.courier.NoResponderException} or {@link PublishException}. Called only when {@link #capabilities()}
     * has {@link Capability#REQUEST_REPLY}; the caller's future times out by itself after {@code timeout}, which the
     * backend may hand to its client so that it forgets the request then too.
     */
    protected CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        throw new UnsupportedOperationException("a backend with REQUEST_REPLY implements exchange");
    }

    /**
     * Starts handing the requests made on {@code topic} to {@code requests}, one listener among those of
     * {@code group} receiving each; returns what stops the listening. Called only with
     * {@link Capability#REQUEST_REPLY}.
     *
     * @throws io.courier.SubscribeException when the broker refuses
     */
    protected Runnable listen(String topic, String group, RequestSink requests) {
        throw new UnsupportedOperationException("a backend with REQUEST_REPLY implements listen");
    }

    @Override
    public <R> CompletableFuture<R> requestAsync(Envelope request, Class<R> replyType, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(replyType, "replyType");
        Objects.requireNonNull(timeout, "timeout");
        String topic = request.topic();
        if (!capabilities().supports(Capability.REQUEST_REPLY)) {
            return Broker.super.requestAsync(request, replyType, timeout);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            return CompletableFuture.failedFuture(new ConfigurationException("request on '" + topic + "': the timeout "
                    + "must be positive, got " + timeout));
        }
        if (request.deliverAt().isPresent() || request.deliverAfter().isPresent()) {
            return CompletableFuture.failedFuture(new ConfigurationException("request on '" + topic + "': a request "
                    + "is answered now or never, so it takes no delivery time"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new PublisherClosedException("cannot request on '" + topic
                    + "': broker " + url + " is closed"));
        }
        OutboundMessage out;
        try {
            out = encoder.encode(request, naming(), capabilities());
        } catch (CourierException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new CodecException("cannot encode the request on '" + topic + "': "
                    + e, e));
        }
        return Replies.awaited(() -> exchange(out, timeout), timeout, replyType, codecs, options.defaultCodec(), topic,
                url);
    }

    @Override
    public <T, R> Subscription respond(SubscribeOptions respondOptions, Class<T> requestType,
                                       Responder<T, R> responder) {
        Objects.requireNonNull(respondOptions, "options");
        Objects.requireNonNull(requestType, "requestType");
        Objects.requireNonNull(responder, "responder");
        if (!capabilities().supports(Capability.REQUEST_REPLY)) {
            return Broker.super.respond(respondOptions, requestType, responder);
        }
        String use = "respond on '" + respondOptions.topicDescription() + "' as '" + respondOptions.subscription() + "'";
        if (respondOptions.topicPattern().isPresent() || respondOptions.deadLetterTopic().isPresent()
                || respondOptions.retry().retryTopicFrom().isPresent()) {
            throw new ConfigurationException("cannot " + use + ": a request is answered once, by a responder to its "
                    + "topic; a topic pattern, a dead-letter topic and a retry topic do not apply");
        }
        String topic = respondOptions.topic().orElseThrow();
        String problem = naming().problem(topic);
        if (problem != null) {
            throw new InvalidTopicException(problem);
        }
        respondOptions.codec().ifPresent(codecs::byName);
        synchronized (closeLock) {
            if (closed) {
                throw new LifecycleException("cannot " + use + ": broker " + url + " is closed");
            }
            Subscription[] self = new Subscription[1];
            self[0] = new Responding<>(respondOptions, requestType, responder, codecs, options.defaultCodec(),
                    sink -> listen(topic, respondOptions.subscription(), sink), options.closeTimeout(),
                    () -> subscriptions.remove(self[0]));
            subscriptions.add(self[0]);
            return self[0];
        }
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
     * {@value io.courier.DeadLetter#KEEPING_SUBSCRIPTION} subscription, so that no letter is dropped for want of a reader. A
     * backend that keeps messages by retention alone (Kafka) returns false.
     */
    protected boolean deadLettersNeedASubscription() {
        return true;
    }

    private void retainDeadLetters(String topic) {
        if (!deadLettersNeedASubscription() || !retainedDeadLetterTopics.add(topic)) {
            return;
        }
        SubscribeOptions keep = SubscribeOptions.builder(topic, DeadLetter.KEEPING_SUBSCRIPTION)
                .initialPosition(InitialPosition.EARLIEST).codec(BytesCodec.NAME).build();
        try {
            // made and left at once; a letter that arrives meanwhile is never acknowledged here, so it stays pending
            subscribeManualAck(keep, byte[].class, m -> { }).close(Duration.ZERO);
        } catch (SubscriptionBusyException busy) {
            // someone reads the letters through it right now: it exists
        } catch (CourierException e) {
            retainedDeadLetterTopics.remove(topic);   // tried again at the next letter
            LOG.log(System.Logger.Level.WARNING, "cannot make subscription ''{0}'' on dead-letter topic ''{1}'' of {2}: "
                    + "{3}; without it the broker may drop letters nobody reads", DeadLetter.KEEPING_SUBSCRIPTION, topic,
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

    private <T> Subscription open(SubscribeOptions subscribeOptions, Class<T> payloadType, HandlerKind<T> kind) {
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
        checkRetryTopic(subscribeOptions, kind instanceof HandlerKind.Batch<T>, use);
        synchronized (closeLock) {
            if (closed) {
                throw new LifecycleException("cannot subscribe '" + subscribeOptions.subscription() + "' to '"
                        + subscribeOptions.topicDescription() + "': broker " + url + " is closed");
            }
            Subscription[] self = new Subscription[1];
            Dispatcher<T> dispatcher = Dispatcher.of(subscribeOptions, openConsumers(subscribeOptions), payloadType, kind,
                    wiring(subscribeOptions), () -> subscriptions.remove(self[0]));
            self[0] = dispatcher;
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
        Closing.outsideOwnHandlers(List.copyOf(subscriptions), "courier-close-" + url, this::closeNow);
    }

    private boolean closeNow() {
        // one deadline for the whole close, not one per stage: a service stopping while its broker is down must
        // still stop within the close timeout, so each stage gets only what the ones before it left
        Duration grace = options.closeTimeout();
        Deadline deadline = Deadline.after(grace);
        Closing.closeAll(openSubscriptions(), grace);
        pending.await(deadline);
        closeBackend(deadline.remaining());
        return true;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + url + "}";
    }
}
