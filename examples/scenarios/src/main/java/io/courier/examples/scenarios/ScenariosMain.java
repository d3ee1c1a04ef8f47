package io.courier.examples.scenarios;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Runs the article's four use cases one after another and prints what happened.
 * Argument: a broker URL ({@code memory://scenarios} by default), or {@code embedded} for a Pulsar standalone.
 */
public final class ScenariosMain {

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "memory://scenarios";
        EmbeddedPulsar pulsar = url.equals("embedded") ? EmbeddedPulsar.builder().build().start() : null;
        try (Broker broker = pulsar != null
                ? Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())
                : Brokers.open(url)) {
            asyncProcessing(broker);
            decoupling(broker);
            peakShaving(broker);
            messaging(broker);
        } finally {
            if (pulsar != null) {
                pulsar.close();
            }
        }
    }

    static void asyncProcessing(Broker broker) {
        try (AsyncProcessing shop = new AsyncProcessing(broker, Duration.ofMillis(50))) {
            // warm: the first publish to a topic also creates its producer, which no later order call pays for
            shop.placeOrder(new Order("warm-up", "alice", 1));
            int orders = 20;
            long queued = 0;
            long sequential = 0;
            for (int i = 1; i <= orders; i++) {
                Order order = new Order("o-" + i, "alice", 1999);
                queued += time(() -> shop.placeOrder(order));
                sequential += time(() -> shop.placeOrderSynchronously(order));
            }
            await(() -> shop.handledBy("points").contains("o-" + orders) && shop.handledBy("coupons").contains("o-" + orders)
                    && shop.handledBy("notifications").contains("o-" + orders));
            System.out.printf("1. asynchronous processing: an order call takes %.1f ms with the queue vs %.1f ms calling "
                    + "the three services in sequence (mean of %d orders, warm); points, coupons and notifications handled "
                    + "every order%n", queued / 1e6 / orders, sequential / 1e6 / orders, orders);
        }
    }

    static void decoupling(Broker broker) {
        try (Decoupling shop = new Decoupling(broker)) {
            shop.startPointsService();
            shop.stopPointsService();
            for (int i = 1; i <= 5; i++) {
                shop.placeOrder(new Order("d-" + i, "bob", i * 1000L));
            }
            System.out.println("2. decoupling: 5 orders placed while the points service is down");
            shop.startPointsService();
            await(() -> shop.ledger().size() == 5);
            System.out.println("   points service back: caught up on " + shop.ledger().size() + " missed orders " + shop.ledger());
        }
    }

    static void peakShaving(Broker broker) {
        try (PeakShaving sale = new PeakShaving(broker, 10, 20, 20_000, Duration.ofMillis(5))) {
            PeakShaving.Burst burst = PeakShaving.Burst.of(sale, 200, 50);
            await(() -> burst.queued().stream().allMatch(id -> sale.answer(id) != null));
            System.out.printf("3. peak shaving: a burst of 200 requests from 50 buyers at once for 10 items: %d queued, %d "
                    + "told busy at once; sold %d. Bounded by the service: at most %d requests wait at once (most seen: "
                    + "%d); the topic's backlog quota (20,000 B) stands behind it%n", burst.queued().size(),
                    burst.busy().size(), sale.sold(), sale.maxWaiting(), sale.mostWaiting());
        }
    }

    static void messaging(Broker broker) {
        try (Messaging m = new Messaging(broker)) {
            m.startWorker("w1");
            m.startWorker("w2");
            for (int i = 0; i < 20; i++) {
                m.submitJob("job-" + i);
            }
            await(() -> m.jobsByWorker().values().stream().mapToInt(List::size).sum() == 20);
            Map<String, List<String>> jobs = m.jobsByWorker();
            System.out.printf("4. point to point: 20 jobs, w1 did %d, w2 did %d%n", jobs.get("w1").size(), jobs.get("w2").size());
            m.join("ann");
            m.join("ben");
            m.say("ann", 1, "hello");
            m.say("ben", 2, "hi ann");
            m.say("ann", 3, "bye");
            await(() -> m.linesSeenBy("ann").size() == 3 && m.linesSeenBy("ben").size() == 3);
            System.out.println("   publish/subscribe: ann saw " + m.linesSeenBy("ann") + ", ben saw the same " + m.linesSeenBy("ben").size());
        }
    }

    private static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return System.nanoTime() - start;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("scenario did not complete within 60 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    private ScenariosMain() {
    }
}
