package io.courier;

import java.util.concurrent.CompletableFuture;

/**
 * One connection to a messaging system: publish to topics and subscribe handlers to them. Open one with
 * {@link Brokers#open(String, BrokerOptions)} and share it: a broker is thread-safe and meant to live as long as the
 * service (inject it into the data layer, hand it to a {@code MessageServer}).
 *
 * <p>Delivery is at-least-once. {@link #close()} flushes pending publishes, drains and closes subscriptions, and
 * never unsubscribes (that would delete durable state).
 */
public interface Broker extends AutoCloseable {

    /** The broker's URL with secrets (user-info, tokens) removed. */
    String url();

    BrokerOptions options();

    /**
     * Publishes asynchronously. The future completes with the broker-assigned id once the broker stored the message,
     * or exceptionally with a {@link PublishException} (subtypes tell quota, size and closed apart) or a
     * {@link CodecException}. This method does not throw for those conditions; it throws only for a null envelope.
     */
    CompletableFuture<MessageId> publishAsync(Envelope envelope);

    /**
     * Publishes and waits for the broker's confirmation, at most {@link BrokerOptions#publishTimeout()}.
     *
     * @throws PublishException (or a subtype) when the message was not stored
     * @throws PublishTimeoutException when no confirmation came in time
     * @throws CodecException when the payload cannot be encoded
     */
    MessageId publish(Envelope envelope);

    /** {@link #publish(Envelope)} of {@code payload} on {@code topic} with no key or headers. */
    default MessageId publish(String topic, Object payload) {
        return publish(Envelope.of(topic, payload));
    }

    /** {@link #publishAsync(Envelope)} of {@code payload} on {@code topic} with no key or headers. */
    default CompletableFuture<MessageId> publishAsync(String topic, Object payload) {
        return publishAsync(Envelope.of(topic, payload));
    }

    /**
     * Opens a subscription that decodes each message to {@code payloadType} and calls {@code handler}.
     *
     * @throws SubscribeException (or {@link SubscriptionBusyException}) when the broker refuses it
     * @throws CodecException when the options name an unknown codec
     * @throws LifecycleException when the broker is closed
     */
    <T> Subscription subscribe(SubscribeOptions options, Class<T> payloadType, Handler<T> handler);

    /** Like {@link #subscribe} but hands messages over in batches (see {@link BatchHandler}). */
    <T> Subscription subscribeBatch(SubscribeOptions options, Class<T> payloadType, BatchHandler<T> handler);

    /**
     * Like {@link #subscribe} but the handler settles each message itself, possibly later (see
     * {@link ManualAckHandler} and {@link PendingMessage}).
     */
    <T> Subscription subscribeManualAck(SubscribeOptions options, Class<T> payloadType, ManualAckHandler<T> handler);

    /**
     * What this backend offers: subscription types, optional capabilities (each missing one with what to use
     * instead) and limits. A call that needs something missing throws {@link UnsupportedFeatureException}.
     */
    Capabilities capabilities();

    /** Administrative operations (topics, backlog quotas, backlog). */
    BrokerAdmin admin();

    boolean isClosed();

    /**
     * Closes subscriptions (in-flight handlers may finish), waits for pending publishes, then releases the connection,
     * all within one {@link BrokerOptions#closeTimeout()}, even with the broker unreachable. What is unfinished by
     * then is abandoned: unacknowledged messages are delivered again later, and a publish still waiting fails with a
     * {@link PublishException}. Idempotent.
     */
    @Override
    void close();
}
