package io.courier.core;

import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Envelope;
import io.courier.Handler;
import io.courier.ManualAckHandler;
import io.courier.Responder;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.core.internal.Publishing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A broker decorated with publish interceptors; every other call goes to the broker as it is. */
final class InterceptingBroker implements Broker {
    private final Broker delegate;
    private final List<PublishInterceptor> interceptors;

    InterceptingBroker(Broker delegate, List<PublishInterceptor> interceptors) {
        this.delegate = delegate;
        this.interceptors = interceptors;
    }

    @Override
    public String url() {
        return delegate.url();
    }

    @Override
    public BrokerOptions options() {
        return delegate.options();
    }

    @Override
    public CompletableFuture<MessageId> publishAsync(Envelope envelope) {
        return chain(0, envelope);
    }

    private CompletableFuture<MessageId> chain(int index, Envelope envelope) {
        if (index == interceptors.size()) {
            return delegate.publishAsync(envelope);
        }
        try {
            return interceptors.get(index).publish(envelope, e -> chain(index + 1, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public MessageId publish(Envelope envelope) {
        return Publishing.await(publishAsync(envelope), options().publishTimeout(), envelope.topic(), url());
    }

    @Override
    public <T> Subscription subscribe(SubscribeOptions options, Class<T> payloadType, Handler<T> handler) {
        return delegate.subscribe(options, payloadType, handler);
    }

    @Override
    public <T> Subscription subscribeBatch(SubscribeOptions options, Class<T> payloadType, BatchHandler<T> handler) {
        return delegate.subscribeBatch(options, payloadType, handler);
    }

    @Override
    public <T> Subscription subscribeManualAck(SubscribeOptions options, Class<T> payloadType,
                                               ManualAckHandler<T> handler) {
        return delegate.subscribeManualAck(options, payloadType, handler);
    }

    /** Requests are not publishes: they reach the broker without the publish interceptors. */
    @Override
    public <R> CompletableFuture<R> requestAsync(Envelope request, Class<R> replyType, Duration timeout) {
        return delegate.requestAsync(request, replyType, timeout);
    }

    @Override
    public <T, R> Subscription respond(SubscribeOptions options, Class<T> requestType, Responder<T, R> responder) {
        return delegate.respond(options, requestType, responder);
    }

    @Override
    public BrokerAdmin admin() {
        return delegate.admin();
    }

    @Override
    public Capabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
