package io.courier.core;

import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.FailureListener;
import io.courier.Handler;
import io.courier.LifecycleException;
import io.courier.ManualAckHandler;
import io.courier.Responder;
import io.courier.SubscribeException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.codec.Codecs;
import io.courier.core.internal.Closing;
import io.courier.core.internal.HandlerKind;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The transport server of the Kratos article: typed handlers registered on topics, opened together when an
 * {@link App} starts it, drained together when it stops.
 *
 * <pre>{@code
 * MessageServer server = MessageServer.builder(broker).use(loggingMiddleware).build();
 * server.register(SubscribeOptions.builder("logger.report.event", "logger-saver").type(SubscriptionType.SHARED).build(),
 *                 Event.class, message -> repository.save(message.payload()));
 * }</pre>
 *
 * <p>{@link #start()} opens every subscription and fails fast, naming the topic and the reason, when one cannot be
 * opened (the ones already open are closed again). {@link #stop(Duration)} stops taking messages, lets in-flight
 * handlers finish within the grace, acknowledges what finished, closes consumers (never unsubscribing) and, if the
 * server owns its broker, closes the broker. Handlers registered after start are opened at once. Thread-safe.
 */
public final class MessageServer implements Server {
    private static final System.Logger LOG = System.getLogger(MessageServer.class.getName());

    private final String name;
    private final Broker broker;
    private final boolean ownsBroker;
    private final MiddlewareChain chain;
    private final ServerLifecycle lifecycle;
    private final Map<String, Registration<?>> registrations = new LinkedHashMap<>();
    private final Map<String, Subscription> open = new LinkedHashMap<>();

    private MessageServer(Builder b) {
        this.name = b.name;
        this.broker = b.broker;
        this.ownsBroker = b.ownsBroker;
        this.chain = new MiddlewareChain(b.middleware);
        this.lifecycle = new ServerLifecycle("message server '" + b.name + "'");
    }

    /** A server around a broker owned by the caller (it is not closed on stop). */
    public static Builder builder(Broker broker) {
        Builder b = new Builder();
        b.broker = Objects.requireNonNull(broker, "broker");
        return b;
    }

    /** A server that opens and owns a broker for {@code url} (closed when the server stops). */
    public static Builder builder(String url, BrokerOptions options) {
        Builder b = new Builder();
        b.url = url;
        b.brokerOptions = options;
        return b;
    }

    @Override
    public String name() {
        return name;
    }

    public Broker broker() {
        return broker;
    }

    /** Registers a handler for single messages on a topic and durable subscription with default options. */
    public <T> MessageServer register(String topic, String subscription, Class<T> payloadType, Handler<T> handler) {
        return register(SubscribeOptions.builder(topic, subscription).build(), payloadType, handler);
    }

    /**
     * Registers a handler. Before start it is opened by {@link #start()}; after start it is opened at once.
     *
     * @throws LifecycleException when the server is stopping or stopped
     * @throws ConfigurationException when the topic and subscription are already registered here
     * @throws io.courier.CodecException when the options name an unknown codec
     */
    public <T> MessageServer register(SubscribeOptions options, Class<T> payloadType, Handler<T> handler) {
        return add(new Registration<>(options, payloadType, new HandlerKind.Single<>(handler)));
    }

    /** Registers a batch handler; see {@link #register(SubscribeOptions, Class, Handler)}. */
    public <T> MessageServer registerBatch(SubscribeOptions options, Class<T> payloadType, BatchHandler<T> handler) {
        return add(new Registration<>(options, payloadType, new HandlerKind.Batch<>(handler)));
    }

    /**
     * Registers a handler that settles each message itself, possibly later (see {@link ManualAckHandler}). Middleware
     * runs around the handler's call, not until the settlement.
     */
    public <T> MessageServer registerManualAck(SubscribeOptions options, Class<T> payloadType,
                                               ManualAckHandler<T> handler) {
        return add(new Registration<>(options, payloadType, new HandlerKind.Manual<>(handler)));
    }

    /**
     * Registers a responder: the requests made on the options' topic (see {@link Broker#request}) are answered with
     * what it returns, through the server's middleware. Opened and closed with the server like a subscription; see
     * {@link Broker#respond} for the options that apply.
     *
     * @throws io.courier.UnsupportedFeatureException at start (or at once after start) when the backend has no
     *                                                request/reply
     */
    public <T, R> MessageServer registerResponder(SubscribeOptions options, Class<T> requestType,
                                                  Responder<T, R> responder) {
        return add(new Registration<>(options, requestType, new HandlerKind.Reply<>(responder)));
    }

    private MessageServer add(Registration<?> r) {
        Objects.requireNonNull(r.options(), "options");
        Objects.requireNonNull(r.payloadType(), "payloadType");
        r.options().codec().ifPresent(Codecs.standard()::byName);
        String key = r.key();
        synchronized (this) {
            ServerState state = lifecycle.state();
            if (state == ServerState.STOPPING || state == ServerState.STOPPED || state == ServerState.FAILED) {
                throw new LifecycleException("cannot register subscription '" + r.options().subscription() + "' on '"
                        + r.options().topicDescription() + "': message server '" + name + "' is " + state);
            }
            if (registrations.containsKey(key)) {
                throw new ConfigurationException("subscription '" + r.options().subscription() + "' on '"
                        + r.options().topicDescription() + "' is already registered on message server '" + name + "'");
            }
            registrations.put(key, r);
            if (state == ServerState.RUNNING) {
                open.put(key, openOne(r));
            }
        }
        return this;
    }

    @Override
    public void start() {
        List<Registration<?>> toOpen;
        synchronized (this) {
            if (!lifecycle.beginStart()) {
                return;
            }
            toOpen = new ArrayList<>(registrations.values());
        }
        List<Subscription> opened = new ArrayList<>();
        try {
            for (Registration<?> r : toOpen) {
                Subscription s = openOne(r);
                opened.add(s);
                synchronized (this) {
                    open.put(r.key(), s);
                }
            }
        } catch (RuntimeException e) {
            for (Subscription s : opened) {
                s.close(Duration.ZERO);
            }
            synchronized (this) {
                open.clear();
                lifecycle.failed();
            }
            if (ownsBroker) {
                broker.close();
            }
            throw e;
        }
        synchronized (this) {
            lifecycle.started();
        }
        LOG.log(Level.INFO, "message server ''{0}'' started {1} subscription(s) on {2}", name, opened.size(), broker.url());
    }

    private <T> Subscription openOne(Registration<T> r) {
        try {
            SubscribeOptions options = chain.withListeners(r.options());
            HandlerKind<T> kind = chain.around(options, r.kind());
            if (kind instanceof HandlerKind.Batch<T> batch) {
                return broker.subscribeBatch(options, r.payloadType(), batch.handler());
            }
            if (kind instanceof HandlerKind.Reply<T> reply) {
                return broker.respond(options, r.payloadType(), reply.responder());
            }
            if (kind instanceof HandlerKind.Manual<T> manual) {
                return broker.subscribeManualAck(options, r.payloadType(), manual.handler());
            }
            return broker.subscribe(options, r.payloadType(), ((HandlerKind.Single<T>) kind).handler());
        } catch (SubscribeException e) {
            throw e;
        } catch (CourierException e) {
            throw new SubscribeException("message server '" + name + "' cannot open subscription '"
                    + r.options().subscription() + "' on '" + r.options().topicDescription() + "': " + e.getMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Called from one of this server's own handlers, it returns at once and the stop runs on another thread (a
     * handler cannot wait for itself to finish); the calling handler's message is acknowledged when it returns.
     */
    @Override
    public void stop(Duration grace) {
        List<Subscription> toClose;
        synchronized (this) {
            ServerLifecycle.Stop stop = lifecycle.beginStop();
            if (stop != ServerLifecycle.Stop.NOW) {
                if (stop == ServerLifecycle.Stop.NEVER_STARTED && ownsBroker) {
                    broker.close();
                }
                return;
            }
            toClose = new ArrayList<>(open.values());
            // new messages stop now, not when each subscription's closing thread gets to run (on a loaded machine
            // that took long enough for a second handler to begin): only a message a receiver took in this instant
            // is still handled
            toClose.forEach(Subscription::pause);
        }
        Closing.outsideOwnHandlers(toClose, "courier-stop-" + name, () -> closeAndFinish(toClose, grace));
    }

    private boolean closeAndFinish(List<Subscription> toClose, Duration grace) {
        int undrained = Closing.closeAll(toClose, grace);
        if (ownsBroker) {
            broker.close();
        }
        synchronized (this) {
            open.clear();
            lifecycle.stopped();
        }
        // the grace in whole milliseconds: an App passes what is left of its stop timeout (PT9.999996894S otherwise)
        LOG.log(Level.INFO, "message server ''{0}'' stopped; {1} subscription(s) closed, {2} past the grace of {3} ms",
                name, toClose.size(), undrained, Long.toString(grace.toMillis()));
        return undrained == 0;
    }

    @Override
    public Optional<URI> endpoint() {
        return Optional.empty();
    }

    @Override
    public ServerState state() {
        return lifecycle.state();
    }

    /** Health of every open subscription, in registration order. */
    public synchronized List<SubscriptionHealth> health() {
        List<SubscriptionHealth> result = new ArrayList<>();
        for (Subscription s : open.values()) {
            result.add(s.health());
        }
        return result;
    }

    /** Ready: running, and every registered subscription is open and taking messages. */
    public synchronized boolean isReady() {
        if (lifecycle.state() != ServerState.RUNNING || open.size() != registrations.size()) {
            return false;
        }
        for (Subscription s : open.values()) {
            SubscriptionState st = s.health().state();
            if (st != SubscriptionState.RUNNING && st != SubscriptionState.PAUSED) {
                return false;
            }
        }
        return true;
    }

    /** Live: no subscription is stalled or failed. */
    public synchronized boolean isLive() {
        for (Subscription s : open.values()) {
            SubscriptionState st = s.health().state();
            if (st == SubscriptionState.STALLED || st == SubscriptionState.FAILED) {
                return false;
            }
        }
        return lifecycle.state() != ServerState.FAILED;
    }

    /** Pauses every subscription (in-flight messages finish; none are taken). */
    public synchronized void pause() {
        open.values().forEach(Subscription::pause);
    }

    public synchronized void resume() {
        open.values().forEach(Subscription::resume);
    }

    @Override
    public String toString() {
        return "MessageServer{" + name + ", " + broker.url() + ", " + state() + "}";
    }

    private record Registration<T>(SubscribeOptions options, Class<T> payloadType, HandlerKind<T> kind) {
        String key() {
            return options.topicDescription() + "\u0000" + options.subscription();
        }
    }

    /** Builds a {@link MessageServer}; not thread-safe. */
    public static final class Builder {
        private String name = "messages";
        private Broker broker;
        private String url;
        private BrokerOptions brokerOptions;
        private boolean ownsBroker;
        private final List<Middleware> middleware = new ArrayList<>();

        private Builder() {
        }

        /** Name for logs (default {@code messages}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Adds middleware; the first added is the outermost. A middleware that also implements
         * {@link FailureListener} is registered as a listener on every subscription of this server.
         */
        public Builder use(Middleware... middleware) {
            for (Middleware m : middleware) {
                this.middleware.add(Objects.requireNonNull(m, "middleware"));
            }
            return this;
        }

        /** Close the broker when the server stops (default: only when the server opened it from a URL). */
        public Builder ownsBroker(boolean owns) {
            this.ownsBroker = owns;
            return this;
        }

        /**
         * Builds the server, opening its broker when it was given a URL.
         *
         * @throws ConfigurationException for a blank name or a bad URL
         */
        public MessageServer build() {
            if (name == null || name.isBlank()) {
                throw new ConfigurationException("message server name must not be blank");
            }
            if (broker == null) {
                broker = Brokers.open(url, brokerOptions == null ? BrokerOptions.defaults() : brokerOptions);
                ownsBroker = true;
            }
            return new MessageServer(this);
        }
    }
}
