package io.courier.examples.scenarios;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Use case 1, asynchronous processing: placing an order publishes one event and returns; the points, coupon and
 * notification services (three subscriptions of their own) handle it in parallel. Without a queue the order call
 * would wait for the three services one after another.
 */
public final class AsyncProcessing implements AutoCloseable {
    public static final String TOPIC = "shop.order.placed";
    private final Broker broker;
    private final Duration serviceWork;
    private final MessageServer services;
    /** Which orders each downstream service has handled. */
    private final Map<String, Set<String>> effects = new ConcurrentHashMap<>();

    public AsyncProcessing(Broker broker, Duration serviceWork) {
        this.broker = broker;
        this.serviceWork = serviceWork;
        this.services = MessageServer.builder(broker).name("order-downstream").build();
        for (String service : new String[] {"points", "coupons", "notifications"}) {
            effects.put(service, ConcurrentHashMap.newKeySet());
            services.register(SubscribeOptions.builder(TOPIC, service + "-service").type(SubscriptionType.SHARED)
                    .initialPosition(InitialPosition.EARLIEST).concurrency(4).build(), Order.class,
                    m -> handle(service, m));
        }
        services.start();
    }

    private void handle(String service, Message<Order> m) {
        work();
        effects.get(service).add(m.payload().orderId());
    }

    private void work() {
        LockSupport.parkNanos(serviceWork.toNanos());
    }

    /** The order call with a queue: one publish, confirmed by the broker. */
    public void placeOrder(Order order) {
        broker.publish(Envelope.builder(TOPIC, order).key(order.customerId()).build());
    }

    /** The same order call without a queue: the three services called in sequence. */
    public void placeOrderSynchronously(Order order) {
        for (String service : effects.keySet()) {
            work();
            effects.get(service).add("sync-" + order.orderId());
        }
    }

    /** Orders handled by {@code service}: points, coupons or notifications. */
    public Set<String> handledBy(String service) {
        return Set.copyOf(effects.get(service));
    }

    @Override
    public void close() {
        services.stop(Duration.ofSeconds(10));
    }
}
