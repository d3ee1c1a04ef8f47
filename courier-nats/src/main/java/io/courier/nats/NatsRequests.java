package io.courier.nats;

import io.courier.MessageId;
import io.courier.NoResponderException;
import io.courier.core.spi.BrokerErrors;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Request/reply the way NATS does it natively, beside JetStream: a request is a core NATS message on its topic's
 * request subject ({@value #PREFIX} + topic, which no stream holds, so the request is never stored and no stream
 * acknowledges it), sent with a reply inbox of this connection's; the responders of one subscription name form a queue
 * group, so one of them answers, straight to that inbox. With nobody listening the server answers at once with "no
 * responders". Thread-safe.
 */
final class NatsRequests {
    /** Prefix of request subjects; topics cannot start with it (see {@link NatsTopicNaming}). */
    static final String PREFIX = "_courier.request.";

    private final Connection connection;
    private final BrokerErrors errors;
    private final String url;
    private final Duration drainTimeout;

    NatsRequests(Connection connection, BrokerErrors errors, String url, Duration drainTimeout) {
        this.connection = connection;
        this.errors = errors;
        this.url = url;
        this.drainTimeout = drainTimeout;
    }

    CompletableFuture<RawReply> exchange(OutboundMessage request, Duration timeout) {
        String topic = request.topic();
        return connection.requestWithTimeout(PREFIX + topic, NatsBroker.headers(request), request.payload(), timeout)
                .handle((reply, failure) -> {
                    if (failure == null) {
                        return new RawReply(reply.getData() == null ? new byte[0] : reply.getData(),
                                NatsConsumer.headers(reply.getHeaders()));
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    // the client cancels a request the server answered with "no responders" (a timeout ends in a
                    // TimeoutException, as the connection is made with useTimeoutException)
                    if (cause instanceof CancellationException && connection.getStatus() == Connection.Status.CONNECTED) {
                        throw new NoResponderException("nobody answers requests on '" + topic + "' on " + url
                                + ": no responder is listening");
                    }
                    throw errors.publish(cause, topic);
                });
    }

    Runnable listen(String topic, String group, RequestSink sink) {
        Dispatcher dispatcher = connection.createDispatcher();
        dispatcher.subscribe(PREFIX + topic, group, m -> {
            String replyTo = m.getReplyTo();
            if (replyTo == null) {
                return;   // sent without an inbox by something other than Courier: nobody to answer
            }
            sink.request(request(topic, m), reply -> answer(replyTo, reply));
        });
        try {
            // the server knows the responder when respond returns: a request made after it is routed here
            connection.flush(drainTimeout);
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // not connected now: the subscription is sent when the connection is back
        }
        // drained, not closed: the requests the server already sent this responder are answered, not dropped
        return () -> {
            try {
                dispatcher.drain(drainTimeout).get(drainTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // the connection closed meanwhile, or the drain ran out of time: what is left gets no reply, and its
                // requesters time out
            }
        };
    }

    private static RawMessage request(String topic, Message m) {
        Headers h = m.getHeaders();
        String key = h == null ? null : h.getFirst(NatsBroker.KEY);
        String eventTime = h == null ? null : h.getFirst(NatsBroker.EVENT_TIME);
        return new RawMessage(topic, MessageId.of(m.getReplyTo()), key, NatsConsumer.headers(h), m.getData(),
                Instant.now(), eventTime == null ? null : Instant.ofEpochMilli(Long.parseLong(eventTime)), 0, null);
    }

    private void answer(String replyTo, RawReply reply) {
        Headers h = new Headers();
        for (Map.Entry<String, String> e : reply.headers().asMap().entrySet()) {
            h.put(e.getKey(), e.getValue());
        }
        try {
            connection.publish(replyTo, h, reply.payload());
        } catch (RuntimeException e) {
            // the connection closed or the reply is too large: the requester's timeout tells it no reply came
        }
    }
}
