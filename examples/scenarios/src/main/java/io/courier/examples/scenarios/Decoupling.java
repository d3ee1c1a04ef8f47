package io.courier.examples.scenarios;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Use case 2, decoupling: the order service only publishes, so orders succeed while the points service is down.
 * The points subscription is durable: when the service starts again it catches up on every order it missed. Its
 * ledger is keyed by order id, so a redelivered event never awards points twice.
 */
public final class Decoupling implements AutoCloseable {
    public static final String TOPIC = "shop.order.paid";
    public static final String SUBSCRIPTION = "points-service";
    private final Broker broker;
    private final Map<String, Long> pointsLedger = new ConcurrentHashMap<>();
    private final AtomicInteger deliveries = new AtomicInteger();
    private MessageServer pointsService;

    public Decoupling(Broker broker) {
        this.broker = broker;
    }

    public void placeOrder(Order order) {
        broker.publish(Envelope.builder(TOPIC, order).key(order.customerId()).build());
    }

    public synchronized void startPointsService() {
        pointsService = MessageServer.builder(broker).name("points").build();
        pointsService.register(SubscribeOptions.builder(TOPIC, SUBSCRIPTION).type(SubscriptionType.SHARED)
                .initialPosition(InitialPosition.EARLIEST).build(), Order.class, m -> {
                    deliveries.incrementAndGet();
                    pointsLedger.putIfAbsent(m.payload().orderId(), m.payload().amountCents() / 100);
                });
        pointsService.start();
    }

    public synchronized void stopPointsService() {
        if (pointsService != null) {
            pointsService.stop(Duration.ofSeconds(10));
            pointsService = null;
        }
    }

    /** Points awarded per order id. */
    public Map<String, Long> ledger() {
        return Map.copyOf(pointsLedger);
    }

    /** Events the points service received, redeliveries included. */
    public int deliveries() {
        return deliveries.get();
    }

    @Override
    public void close() {
        stopPointsService();
    }
}
