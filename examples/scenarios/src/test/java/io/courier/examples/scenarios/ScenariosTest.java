package io.courier.examples.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The article's four use cases on a real embedded Pulsar. */
@ExtendWith(EmbeddedPulsarExtension.class)
class ScenariosTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private Broker broker;

    @BeforeEach
    void open(EmbeddedPulsar pulsar) {
        broker = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void asynchronousProcessingFansOutToThreeServices() {
        // services of 100 ms each: the sequential call takes 300 ms, far from a publish even on a busy machine
        try (AsyncProcessing shop = new AsyncProcessing(broker, Duration.ofMillis(100))) {
            shop.placeOrder(new Order("warm-up", "w", 1));   // the first publish also creates the topic's producer
            List<String> ids = IntStream.range(0, 10).mapToObj(i -> "order-" + i).toList();
            long queued = 0;
            long sequential = 0;
            for (String id : ids) {
                long t0 = System.nanoTime();
                shop.placeOrder(new Order(id, "customer-" + id.hashCode() % 3, 1000));
                long t1 = System.nanoTime();
                shop.placeOrderSynchronously(new Order(id, "c", 1000));
                long t2 = System.nanoTime();
                queued += t1 - t0;
                sequential += t2 - t1;
            }
            Await.until(WAIT, () -> shop.handledBy("points").containsAll(ids) && shop.handledBy("coupons").containsAll(ids)
                    && shop.handledBy("notifications").containsAll(ids), () -> "effects incomplete");
            for (String service : List.of("points", "coupons", "notifications")) {
                assertThat(shop.handledBy(service).stream().filter(s -> s.startsWith("order-")).collect(Collectors.toSet()))
                        .isEqualTo(new HashSet<>(ids));
            }
            System.out.printf("[scenario] async: order call %.1f ms with the queue vs %.1f ms with three services in sequence%n",
                    queued / 1e6 / ids.size(), sequential / 1e6 / ids.size());
            // the use case's point: the caller waits for one publish, not for three services of 100 ms each
            assertThat(queued).as("order calls with the queue, warm").isLessThan(sequential / 3);
        }
    }

    @Test
    void decouplingOrdersSucceedWhileThePointsServiceIsDownAndItCatchesUp() {
        try (Decoupling shop = new Decoupling(broker)) {
            shop.startPointsService();
            shop.placeOrder(new Order("before", "x", 100));
            Await.until(WAIT, () -> shop.ledger().containsKey("before"), () -> "first order not handled");
            shop.stopPointsService();
            Set<String> missed = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                shop.placeOrder(new Order("missed-" + i, "c" + (i % 5), i * 100L));
                missed.add("missed-" + i);
            }
            assertThat(shop.ledger()).doesNotContainKeys(missed.toArray(String[]::new));
            shop.startPointsService();
            Await.until(WAIT, () -> shop.ledger().keySet().containsAll(missed), () -> "ledger " + shop.ledger().size());
            assertThat(shop.ledger()).hasSize(51);
            assertThat(shop.ledger().get("missed-7")).isEqualTo(7L);
            System.out.printf("[scenario] decoupling: 50 orders placed while down, all caught up; %d deliveries for 51 orders%n",
                    shop.deliveries());
        }
    }

    @Test
    void peakShavingSellsExactlyTheStockAndAnswersEveryone() {
        int stock = 25;
        int limit = 100;
        // Measured outside the sale's own counter, from what the broker is asked and what the worker answers: at each
        // publish, the requests in the queue or on their way into it (publishes begun, less those refused) less those
        // the worker has answered. An upper bound of what waits, taken at every moment it can grow.
        java.util.concurrent.atomic.AtomicInteger begun = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger mostInQueue = new java.util.concurrent.atomic.AtomicInteger();
        PeakShaving[] holder = new PeakShaving[1];
        Broker observed = io.courier.core.PublishInterceptor.intercept(broker, List.of((envelope, next) -> {
            int inQueue = begun.incrementAndGet() - refused.get() - holder[0].answers().size();
            mostInQueue.accumulateAndGet(inQueue, Math::max);
            return next.apply(envelope).whenComplete((id, error) -> {
                if (error != null) {
                    refused.incrementAndGet();
                }
            });
        }));
        try (PeakShaving sale = new PeakShaving(observed, stock, limit, 20_000, Duration.ofMillis(5))) {
            holder[0] = sale;
            PeakShaving.Burst burst = PeakShaving.Burst.of(sale, 1_500, 50);
            List<String> queued = burst.queued();
            List<String> busy = burst.busy();
            assertThat(queued.size() + busy.size()).isEqualTo(1_500);
            assertThat(busy).as("requests refused at once past the queue limit").isNotEmpty();
            assertThat(mostInQueue.get()).as("requests in the queue at once, counted at each publish").isBetween(1, limit);
            assertThat(sale.mostWaiting()).as("the sale's own count").isBetween(1, limit);
            assertThat(queued.size()).isGreaterThan(stock);
            Await.until(WAIT, () -> queued.stream().allMatch(id -> sale.answer(id) != null),
                    () -> "answered " + sale.answers().size() + " of " + queued.size());
            Map<String, PeakShaving.Outcome> answers = sale.answers();
            assertThat(answers.keySet()).isEqualTo(new HashSet<>(queued));
            assertThat(answers.values().stream().filter(o -> o == PeakShaving.Outcome.SOLD).count()).isEqualTo(stock);
            assertThat(sale.sold()).isEqualTo(stock);
            assertThat(busy).noneMatch(answers::containsKey);
            System.out.printf("[scenario] peak shaving: a burst of 1500 requests from 50 buyers, %d queued and answered, "
                    + "%d told busy (%d of them reached the queue anyway and were dropped unsold), at most %d waiting at "
                    + "once (limit %d), %d sold of %d%n", queued.size(), busy.size(), sale.droppedAfterBusy(),
                    mostInQueue.get(), limit, sale.sold(), stock);
        }
    }

    @Test
    void pointToPointAndPublishSubscribe() {
        try (Messaging m = new Messaging(broker)) {
            m.startWorker("w1");
            m.startWorker("w2");
            Set<String> jobs = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                m.submitJob("job-" + i);
                jobs.add("job-" + i);
            }
            Await.until(WAIT, () -> m.jobsByWorker().values().stream().mapToInt(List::size).sum() >= 100, () -> "jobs done");
            List<String> w1 = m.jobsByWorker().get("w1");
            List<String> w2 = m.jobsByWorker().get("w2");
            Set<String> all = new HashSet<>(w1);
            all.addAll(w2);
            assertThat(all).isEqualTo(jobs);
            assertThat(w1.size() + w2.size()).as("each job to exactly one worker").isEqualTo(100);
            assertThat(w1).isNotEmpty();
            assertThat(w2).isNotEmpty();

            m.join("ann");
            m.join("ben");
            m.join("cat");
            for (int i = 1; i <= 30; i++) {
                m.say(i % 2 == 0 ? "ann" : "ben", i, "line " + i);
            }
            for (String member : List.of("ann", "ben", "cat")) {
                Await.until(WAIT, () -> m.linesSeenBy(member).size() == 30, () -> member + " saw " + m.linesSeenBy(member).size());
                assertThat(m.linesSeenBy(member)).extracting(Messaging.ChatLine::seq)
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
            }
        }
    }
}
