package io.courier.core;

import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.CourierException;
import io.courier.Envelope;
import io.courier.Handler;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A broker decorated with publish interceptors. */
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
        try {
            return publishAsync(envelope).get(options().publishTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new PublishTimeoutException("publish to '" + envelope.topic() + "' on " + url()
                    + " was not confirmed within " + options().publishTimeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to '" + envelope.topic() + "'", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof CourierException ce) {
                throw ce;
            }
            throw new PublishException("publish to '" + envelope.topic() + "' failed: " + cause, cause);
        }
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
    public BrokerAdmin admin() {
        return delegate.admin();
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
