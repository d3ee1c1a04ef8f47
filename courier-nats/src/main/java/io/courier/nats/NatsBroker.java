package io.courier.nats;

import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.ConfigurationException;
import io.courier.InitialPosition;
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
import io.courier.core.spi.TopicNaming;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NATS JetStream as a Courier broker. A topic is a subject held by a stream of its own ({@link NatsTopics}); a
 * subscription is a durable pull consumer on it, which keeps its place while no member is connected. SHARED members
 * pull from one durable; EXCLUSIVE and FAILOVER members take turns by a lease ({@link NatsMembers}). Publishes
 * complete on the stream's acknowledgement. Requests and replies are core NATS messages ({@link NatsRequests}). One
 * connection per broker, reconnecting by itself. Thread-safe.
 */
final class NatsBroker extends AbstractBroker {
    /** Headers Courier sets on a publish to carry what NATS has no field for; taken off on delivery. */
    static final String KEY = "courier-key";
    static final String EVENT_TIME = "courier-event-time";
    /** Room kept under the server's largest message for the headers. */
    private static final long HEADER_ROOM = 64 * 1024;
    private static final AtomicLong CLIENTS = new AtomicLong();

    private final NatsSettings settings;
    private final BrokerErrors errors;
    private final Connection connection;
    private final JetStream js;
    private final NatsTopics topics;
    private final NatsMembers members;
    private final BrokerAdmin admin;
    private final Capabilities capabilities;
    private final Set<NatsConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final PublishDeadlines deadlines;
    private final StreamGates streams;
    private final NatsRequests requests;

    NatsBroker(String redactedUrl, BrokerOptions options, NatsSettings settings) {
        super(redactedUrl, options);
        this.settings = settings;
        this.errors = NatsErrors.of(redactedUrl, settings);
        this.connection = connect(settings, options, "courier-" + CLIENTS.incrementAndGet());
        try {
            JetStreamOptions jso = JetStreamOptions.builder().requestTimeout(settings.get(NatsSettings.CONNECT_TIMEOUT))
                    .build();
            this.js = connection.jetStream(jso);
            JetStreamManagement jsm = connection.jetStreamManagement(jso);
            jsm.getAccountStatistics();   // JetStream is on, and this account may use it
            this.topics = new NatsTopics(jsm, settings, errors);
            this.members = new NatsMembers(connection, settings);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            closeQuietly(connection);
            throw new io.courier.ConnectException("cannot open " + redactedUrl + ": JetStream is not available ("
                    + errors.reason(e) + "); start nats-server with -js, and give the account JetStream", null);
        }
        NatsAdmin natsAdmin = new NatsAdmin(connection, topics, members, errors);
        this.admin = FacetedAdmin.builder("nats").topics(natsAdmin).cursors(natsAdmin).peek(natsAdmin)
                .withoutQuotas("bound the stream instead (maxBytes, maxAgeMs): the oldest messages go first")
                .build();
        long serverMax = connection.getServerInfo().getMaxPayload();
        this.deadlines = new PublishDeadlines(options.publishTimeout(), redactedUrl);
        this.streams = new StreamGates(topics);
        this.requests = new NatsRequests(connection, errors, redactedUrl, options.closeTimeout());
        this.capabilities = capabilitiesOf(Math.min(settings.get(NatsSettings.MAX_MESSAGE_BYTES), serverMax - HEADER_ROOM));
    }

    private Connection connect(NatsSettings s, BrokerOptions options, String name) {
        NatsConnectProblems connectProblems = new NatsConnectProblems();
        Options.Builder b = new Options.Builder().servers(s.servers().toArray(String[]::new)).connectionName(name)
                .connectionTimeout(s.get(NatsSettings.CONNECT_TIMEOUT)).reconnectWait(s.get(NatsSettings.RECONNECT_WAIT))
                .maxReconnects(-1)
                // the client's own give-up on a publish's acknowledgement comes after Courier's (PublishDeadlines)
                .requestCleanupInterval(options.publishTimeout()).useTimeoutException()
                .errorListener(connectProblems);
        if (s.tls()) {
            try {
                b.sslContext(NatsTls.context(s));
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new ConfigurationException("cannot connect to " + url() + ": the trust store "
                        + s.get(NatsSettings.TLS_TRUSTSTORE) + " cannot be read (" + errors.reason(e) + ")");
            }
        }
        if (s.isSet(NatsSettings.USERNAME)) {
            b.userInfo(s.get(NatsSettings.USERNAME), s.get(NatsSettings.PASSWORD));
        } else if (s.isSet(NatsSettings.TOKEN)) {
            b.token(s.get(NatsSettings.TOKEN).toCharArray());
        } else if (s.isSet(NatsSettings.CREDENTIALS_FILE)) {
            b.credentialPath(s.get(NatsSettings.CREDENTIALS_FILE));
        }
        try {
            return Nats.connect(b.build());
        } catch (IOException e) {
            if (!(e instanceof io.nats.client.AuthenticationException)
                    && String.valueOf(e.getMessage()).startsWith("Unable to connect to NATS servers")) {
                throw new io.courier.ConnectException("cannot open " + url() + ": " + connectProblems.explain(s));
            }
            throw errors.connect(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.courier.ConnectException("interrupted while connecting to " + url());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigurationException("cannot connect to " + url() + ": " + errors.reason(e));
        }
    }

    /** The id of the message at {@code sequence} of {@code topic}'s stream. */
    static MessageId id(String topic, long sequence) {
        return MessageId.of(topic + ":" + sequence);
    }

    @Override
    protected CompletableFuture<MessageId> send(OutboundMessage m) {
        String topic = m.topic();
        Headers h = headers(m);
        CompletableFuture<MessageId> result = newPublishResult();
        deadlines.add(topic, result);
        if (streams.isReady(topic)) {
            publish(topic, h, m.payload(), result);
        } else {
            streams.whenReady(topic, () -> publish(topic, h, m.payload(), result),
                    failure -> result.completeExceptionally(errors.publish(failure, topic)));
        }
        return result;
    }

    /** The message's headers as NATS carries them, or null when it has none (a plain publish, no header block). */
    static Headers headers(OutboundMessage m) {
        if (m.headers().isEmpty() && m.key() == null && m.eventTime() == null) {
            return null;
        }
        Headers h = new Headers();
        m.headers().asMap().forEach(h::put);
        if (m.key() != null) {
            h.put(KEY, m.key());
        }
        if (m.eventTime() != null) {
            h.put(EVENT_TIME, Long.toString(m.eventTime().toEpochMilli()));
        }
        return h;
    }

    private void publish(String topic, Headers h, byte[] payload, CompletableFuture<MessageId> result) {
        try {
            js.publishAsync(topic, h, payload).whenComplete((ack, failure) -> {
                        if (failure != null) {
                            result.completeExceptionally(errors.publish(failure, topic));
                        } else {
                            result.complete(id(topic, ack.getSeqno()));
                        }
                    });
        } catch (RuntimeException e) {
            result.completeExceptionally(errors.publish(e, topic));
        }
    }

    @Override
    protected CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        return requests.exchange(request, timeout);
    }

    @Override
    protected Runnable listen(String topic, String group, RequestSink sink) {
        String problem = NatsTopicNaming.subscriptionProblem(group);
        if (problem != null) {
            throw new ConfigurationException("cannot respond on '" + topic + "' on " + url() + ": " + problem);
        }
        return requests.listen(topic, group, sink);
    }

    @Override
    protected RawConsumer openConsumer(SubscribeOptions o) {
        String topic = o.topic().orElseThrow();
        String sub = o.subscription();
        String what = "'" + sub + "' to '" + topic + "' on " + url();
        String problem = NatsTopicNaming.subscriptionProblem(sub);
        if (problem != null) {
            throw new ConfigurationException("cannot subscribe " + what + ": " + problem);
        }
        String stream = NatsTopicNaming.stream(topic);
        topics.ensure(topic);
        NatsMembers.Member member = null;
        try {
            durable(stream, topic, sub, o, what);
            for (Optional<SubscriptionType> other : members.members(stream, sub)) {
                if (other.isPresent() && other.get() != o.type()) {
                    throw new SubscriptionBusyException("cannot subscribe " + what + " as " + o.type() + ": its "
                            + "connected consumers are " + other.get());
                }
            }
            member = members.join(stream, sub, o.type());
            if (o.type() == SubscriptionType.EXCLUSIVE && !member.active()) {
                member.leave();
                throw new SubscriptionBusyException("cannot subscribe " + what + ": the subscription is EXCLUSIVE and "
                        + "already has a consumer");
            }
            NatsConsumer[] self = new NatsConsumer[1];
            self[0] = new NatsConsumer(topic, js.subscribe(topic, PullSubscribeOptions.bind(stream, sub)), member, Math.max(1, o.maxInFlight()),
                    settings.get(NatsSettings.ACK_WAIT), settings.get(NatsSettings.NACK_DELAY),
                    () -> consumers.remove(self[0]));
            consumers.add(self[0]);
            return self[0];
        } catch (IOException | JetStreamApiException e) {
            if (member != null) {
                member.leave();
            }
            throw new SubscribeException("cannot subscribe " + what + ": " + errors.reason(e), e);
        }
    }

    /** The subscription's durable consumer, made on first use with where it starts; an existing one keeps its place. */
    private void durable(String stream, String topic, String sub, SubscribeOptions o, String what)
            throws IOException, JetStreamApiException {
        Optional<ConsumerInfo> existing = topics.consumer(stream, sub);
        if (existing.isPresent()) {
            if (existing.get().getConsumerConfiguration().getDeliverSubject() != null) {
                throw new SubscribeException("cannot subscribe " + what + ": a push consumer named '" + sub + "' exists "
                        + "on stream '" + stream + "'; Courier's subscriptions are pull consumers: use another name");
            }
        } else {
            topics.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(sub)
                    .ackPolicy(AckPolicy.Explicit).filterSubject(topic)
                    .deliverPolicy(o.initialPosition() == InitialPosition.EARLIEST ? DeliverPolicy.All : DeliverPolicy.New)
                    .ackWait(settings.get(NatsSettings.ACK_WAIT))
                    .maxDeliver(settings.get(NatsSettings.MAX_DELIVER))
                    .maxAckPending(100_000).build());
        }
    }

    @Override
    protected void closeBackend(Duration timeout) {
        streams.close();
        try {
            connection.flush(timeout.isZero() ? Duration.ofMillis(1) : timeout);
        } catch (Exception e) {
            // not flushed in time: what is still waiting fails below
        }
        members.close();
        closeQuietly(connection);
        deadlines.close();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // closed already
        }
    }

    @Override
    protected TopicNaming naming() {
        return NatsTopicNaming.INSTANCE;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    private static Capabilities capabilitiesOf(long maxPayload) {
        return Capabilities.builder("nats")
                .without(SubscriptionType.KEY_SHARED, "NATS 2.9 has no per-key split of one consumer; use FAILOVER "
                        + "(one member at a time, in order) or SHARED with ordering PER_KEY within each member")
                .note(Capability.PER_MESSAGE_ACK, "each message is acknowledged on its own; one handed back is "
                        + "delivered again after nackDelayMs, held back by the server")
                .without(Capability.DELAYED_DELIVERY, "NATS 2.9 holds no message until a time: publish when it is "
                        + "due, or let the handler's RetryPolicy wait in process")
                .delayedDeliveryTypes()
                .without(Capability.BACKLOG_QUOTA, "bound the stream instead (maxBytes, maxAgeMs): the oldest "
                        + "messages go first")
                .without(Capability.PARTITIONS, "a topic is one stream; the members of a SHARED subscription share "
                        + "its load")
                .without(Capability.TOPIC_PATTERNS, "subscribe to each topic by name")
                .maxPayloadBytes(maxPayload)
                .without(Capability.LARGE_PAYLOADS, "raise the server's max_payload and maxMessageBytes together, or "
                        + "store the payload elsewhere (NATS's object store) and publish a reference")
                .without(Capability.TRANSACTIONS, "make handlers idempotent (at-least-once delivery) instead")
                .note(Capability.REQUEST_REPLY, "native: core NATS requests to reply inboxes, not stored; with nobody "
                        + "listening the server says so at once (NoResponderException)")
                .lazyAcks(false)
                .build();
    }

    @Override
    protected boolean deadLettersNeedASubscription() {
        return false;   // a stream keeps its messages by its limits, read or not
    }

    @Override
    public BrokerAdmin admin() {
        return admin;
    }
}
