package io.courier.core;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.MessageId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Wraps publishes: adds headers (trace context), measures, or rejects. Call {@code next} with the (possibly changed)
 * envelope to go on. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PublishInterceptor {

    CompletableFuture<MessageId> publish(Envelope envelope, Function<Envelope, CompletableFuture<MessageId>> next);

    /**
     * A broker whose publishes pass through {@code interceptors} (the first is the outermost). Subscriptions, admin
     * and close go straight to {@code broker}; closing the returned broker closes {@code broker}.
     */
    static Broker intercept(Broker broker, List<PublishInterceptor> interceptors) {
        return new InterceptingBroker(broker, List.copyOf(interceptors));
    }
}
