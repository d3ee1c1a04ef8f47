package io.courier;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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
     * Sends {@code request} to the responders of its topic (see {@link #respond}) and completes with the reply, decoded
     * to {@code replyType}; {@code null} when the responder returned {@code null}. A request is not stored: it reaches
     * the responders listening when it is made, one of them answers, and the reply goes to this caller alone. The
     * future completes exceptionally, never later than {@code timeout}, with a {@link RequestTimeoutException} (no
     * reply in time), a {@link NoResponderException} (nobody listening, where the backend can tell), a
     * {@link ResponderFailedException} (the responder threw), a {@link CodecException} (the request or reply is not
     * what the codecs take) or a {@link PublishException} (the request was not sent). Needs
     * {@link Capability#REQUEST_REPLY}; without it, an {@link UnsupportedFeatureException}. A delivery time on the
     * envelope is refused with a {@link ConfigurationException}. This method throws only for null arguments.
     *
     * @param timeout how long to wait for the reply; positive
     */
    default <R> CompletableFuture<R> requestAsync(Envelope request, Class<R> replyType, Duration timeout) {
        return CompletableFuture.failedFuture(new UnsupportedFeatureException(capabilities().backend(),
                "request/reply", "request on '" + request.topic() + "'", capabilities().missing().getOrDefault(
                        Capability.REQUEST_REPLY, "publish the request and subscribe to a reply topic of your own")));
    }

    /**
     * {@link #requestAsync} and wait for its outcome: the reply, or the exception the future completed with.
     *
     * @throws RequestException (a subtype) when no reply came, {@link CodecException}, {@link PublishException},
     *                          {@link UnsupportedFeatureException}, {@link ConfigurationException} as listed there
     */
    default <R> R request(Envelope request, Class<R> replyType, Duration timeout) {
        try {
            return requestAsync(request, replyType, timeout).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof CourierException c) {
                throw c;
            }
            throw new RequestException("request on '" + request.topic() + "' failed: " + e.getCause(), e.getCause());
        }
    }

    /** {@link #request(Envelope, Class, Duration)} of {@code payload} on {@code topic} with no key or headers. */
    default <R> R request(String topic, Object payload, Class<R> replyType, Duration timeout) {
        return request(Envelope.of(topic, payload), replyType, timeout);
    }

    /**
     * Answers the requests made on {@code options.topic()} with {@code responder} until the returned subscription is
     * closed. Responders with the same subscription name share the requests, each answered by one of them; the
     * options' {@code concurrency} is how many requests this one answers at once (default 1) and its {@code codec}
     * encodes the replies (default the broker's). A request is answered once, so a topic pattern, a dead-letter topic
     * and a retry topic are refused ({@link ConfigurationException}); the other options do not apply. Requests made
     * while no responder listens are not kept. Needs {@link Capability#REQUEST_REPLY}.
     *
     * @throws UnsupportedFeatureException when the backend has no request/reply
     * @throws SubscribeException          when the broker refuses
     * @throws LifecycleException          when the broker is closed
     */
    default <T, R> Subscription respond(SubscribeOptions options, Class<T> requestType, Responder<T, R> responder) {
        throw new UnsupportedFeatureException(capabilities().backend(), "request/reply", "respond on '"
                + options.topicDescription() + "'", capabilities().missing().getOrDefault(Capability.REQUEST_REPLY,
                "subscribe to the requests and publish each reply to the topic the request names"));
    }

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
