package io.courier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.PublishException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scenario 1: 4 publishers at 5,000 msg/s in all for 60 s into one topic, 2 subscribers (separate clients) on one
 * SHARED subscription with PER_KEY ordering. At 15 s the broker is stopped with SIGTERM and restarted, at 35 s killed
 * with SIGKILL and restarted, on the same data. Publishers keep publishing through the outages; a publish that fails
 * is published again. Checked: nothing lost; every subscriber handles each key's messages in publish order (first
 * deliveries; a redelivery repeats an earlier message and is counted as a duplicate); no publish call or future takes
 * longer than the publish timeout; every failure is a typed {@link PublishException}.
 */
class BrokerFaultsUnderLoadTest {
    private static final int PUBLISHERS = 4;
    private static final int KEYS_PER_PUBLISHER = 25;
    private static final int RATE_PER_PUBLISHER = 1_250;
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private EmbeddedPulsar pulsar;

    @BeforeEach
    void start() {
        pulsar = EmbeddedPulsar.builder().build().start();
    }

    @AfterEach
    void stop() {
        pulsar.close();
    }

    /** One handled delivery: which subscriber, when (a global counter), what. */
    private record Delivery(int subscriber, long order, int seq) {
    }

    /**
     * With a 30 s publish timeout the publishes wait out each outage (about 6 s here); with 2 s they fail, typed, and
     * the publishers send them again.
     */
    @ParameterizedTest(name = "publish timeout {0} s")
    @ValueSource(ints = {30, 2})
    void nothingIsLostAndPerKeyOrderHoldsThroughAGracefulAndAKilledBrokerRestart(int publishTimeoutSeconds) throws Exception {
        Duration publishTimeout = Duration.ofSeconds(publishTimeoutSeconds);
        String topic = "faults-" + System.nanoTime();
        BrokerOptions options = BrokerOptions.builder().property("adminUrl", pulsar.httpUrl())
                .publishTimeout(publishTimeout).build();
        Map<String, List<Delivery>> deliveries = new ConcurrentHashMap<>();
        AtomicLong handleOrder = new AtomicLong();
        Set<String> republished = ConcurrentHashMap.newKeySet();
        Map<String, AtomicInteger> failuresByType = new ConcurrentHashMap<>();
        AtomicLong slowestCallMs = new AtomicLong();
        AtomicLong slowestFutureMs = new AtomicLong();
        AtomicInteger published = new AtomicInteger();
        List<String> faults = new ArrayList<>();

        try (Broker pub = Brokers.open(pulsar.serviceUrl(), options);
             Broker sub1 = Brokers.open(pulsar.serviceUrl(), options);
             Broker sub2 = Brokers.open(pulsar.serviceUrl(), options)) {
            List<Subscription> subscriptions = new ArrayList<>();
            Broker[] subscribers = {sub1, sub2};
            for (int s = 0; s < subscribers.length; s++) {
                int subscriber = s;
                subscriptions.add(subscribers[s].subscribe(SubscribeOptions.builder(topic, "load").type(SubscriptionType.SHARED)
                        .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.PER_KEY).concurrency(4).build(),
                        String.class, m -> {
                            String key = m.key().orElseThrow();
                            int seq = Integer.parseInt(m.payload().substring(m.payload().lastIndexOf(':') + 1));
                            deliveries.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                    .add(new Delivery(subscriber, handleOrder.incrementAndGet(), seq));
                        }));
            }

            long begin = System.nanoTime();
            ScheduledExecutorService injector = Executors.newSingleThreadScheduledExecutor();
            injector.schedule(() -> faults.add(restart(false, begin)), 15, TimeUnit.SECONDS);
            injector.schedule(() -> faults.add(restart(true, begin)), 35, TimeUnit.SECONDS);

            ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
            List<Future<Map<String, Integer>>> lastSeqs = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                lastSeqs.add(publishers.submit(() -> {
                    Map<String, Integer> next = new HashMap<>();
                    ConcurrentLinkedQueue<Envelope> retry = new ConcurrentLinkedQueue<>();
                    List<CompletableFuture<?>> outstanding = new ArrayList<>();
                    AtomicInteger pending = new AtomicInteger();
                    long periodNanos = TimeUnit.SECONDS.toNanos(1) / RATE_PER_PUBLISHER;
                    long end = begin + RUN.toNanos();
                    for (long n = 0; ; n++) {
                        long due = begin + n * periodNanos;
                        if (due > end) {
                            break;
                        }
                        LockSupport.parkNanos(due - System.nanoTime());
                        Envelope again = retry.poll();
                        Envelope e;
                        if (again != null) {
                            e = again;
                        } else {
                            String key = "p" + publisher + "-k" + (n % KEYS_PER_PUBLISHER);
                            int seq = next.merge(key, 1, Integer::sum) - 1;
                            e = Envelope.builder(topic, key + ":" + seq).key(key).codec("text").build();
                        }
                        publish(pub, e, retry, republished, failuresByType, slowestCallMs, slowestFutureMs, published, pending);
                    }
                    // publish the failed ones again until each is in
                    Await.until(Duration.ofMinutes(3), () -> {
                        Envelope e;
                        while ((e = retry.poll()) != null) {
                            publish(pub, e, retry, republished, failuresByType, slowestCallMs, slowestFutureMs, published, pending);
                        }
                        return pending.get() == 0 && retry.isEmpty();
                    }, () -> "publisher " + publisher + ": " + pending.get() + " pending, " + retry.size() + " to retry");
                    return next;
                }));
            }
            Map<String, Integer> sent = new HashMap<>();
            for (Future<Map<String, Integer>> f : lastSeqs) {
                sent.putAll(f.get(5, TimeUnit.MINUTES));
            }
            publishers.shutdown();
            injector.shutdown();
            assertThat(injector.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            int total = sent.values().stream().mapToInt(Integer::intValue).sum();
            long publishersDone = System.nanoTime();   // every publish (and every retry of a failed one) confirmed

            Await.until(Duration.ofMinutes(3), () -> distinctDelivered(deliveries) == total,
                    () -> "delivered " + distinctDelivered(deliveries) + " distinct of " + total);
            long doneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            long afterLastPublishMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishersDone);
            for (Subscription s : subscriptions) {
                s.close(Duration.ofSeconds(10));
            }

            int lost = 0;
            int duplicates = 0;
            int orderViolations = 0;
            int crossSubscriberInversions = 0;
            for (Map.Entry<String, Integer> e : sent.entrySet()) {
                String key = e.getKey();
                List<Delivery> list;
                synchronized (deliveries.get(key)) {
                    list = new ArrayList<>(deliveries.get(key));
                }
                list.sort((a, b) -> Long.compare(a.order(), b.order()));
                boolean[] seen = new boolean[e.getValue()];
                int[] lastPerSubscriber = {-1, -1};
                int lastGlobal = -1;
                for (Delivery d : list) {
                    if (seen[d.seq()]) {
                        duplicates++;
                        continue;
                    }
                    seen[d.seq()] = true;
                    if (republished.contains(key + ":" + d.seq())) {
                        continue; // its publisher sent it again after a failure, so after later ones
                    }
                    if (d.seq() < lastPerSubscriber[d.subscriber()]) {
                        orderViolations++;
                    }
                    lastPerSubscriber[d.subscriber()] = Math.max(lastPerSubscriber[d.subscriber()], d.seq());
                    if (d.seq() < lastGlobal) {
                        crossSubscriberInversions++;
                    }
                    lastGlobal = Math.max(lastGlobal, d.seq());
                }
                for (boolean b : seen) {
                    if (!b) {
                        lost++;
                    }
                }
            }
            Report.line("broker-faults-timeout-" + publishTimeoutSeconds + "s", "%d publishers x %d msg/s for %d s, 2 SHARED PER_KEY subscribers; faults: %s; "
                    + "%d messages (%d publish calls), lost %d, duplicate deliveries %d, per-subscriber per-key order "
                    + "violations %d (cross-subscriber inversions, which SHARED allows: %d); failed publishes then retried: %s; "
                    + "slowest publish call %d ms, slowest publish future %d ms (timeout %d s); all delivered %d ms after start, "
                    + "%d ms after the last publish was confirmed",
                    PUBLISHERS, RATE_PER_PUBLISHER, RUN.toSeconds(), faults, total, published.get(), lost, duplicates,
                    orderViolations, crossSubscriberInversions, failuresByType, slowestCallMs.get(), slowestFutureMs.get(),
                    publishTimeout.toSeconds(), doneMs, afterLastPublishMs);
            assertThat(faults).hasSize(2);
            assertThat(lost).isZero();
            // at-least-once: a publish sent again after a failure whose message was stored after all, and what each
            // subscriber held unacknowledged at each fault (maxInFlight in its handlers and receiver queue, and the
            // acknowledgements its client had not sent yet)
            int duplicateBound = republished.size()
                    + faults.size() * subscribers.length * 2 * SubscribeOptions.DEFAULT_MAX_IN_FLIGHT;
            assertThat(duplicates).as("duplicate deliveries, at most %d", duplicateBound).isLessThanOrEqualTo(duplicateBound);
            assertThat(orderViolations).isZero();
            assertThat(slowestCallMs.get()).isLessThanOrEqualTo(publishTimeout.plus(TIMEOUT_MARGIN).toMillis());
            assertThat(slowestFutureMs.get()).isLessThanOrEqualTo(publishTimeout.plus(TIMEOUT_MARGIN).toMillis());
            assertThat(failuresByType.keySet()).allMatch(type -> !type.startsWith("untyped:"));
            if (publishTimeoutSeconds < 5) {
                assertThat(failuresByType).as("outages of ~6 s fail publishes with a 2 s timeout").isNotEmpty();
            }
        }
    }

    private static void publish(Broker broker, Envelope e, ConcurrentLinkedQueue<Envelope> retry, Set<String> republished,
                                Map<String, AtomicInteger> failuresByType, AtomicLong slowestCallMs,
                                AtomicLong slowestFutureMs, AtomicInteger published, AtomicInteger pending) {
        long t0 = System.nanoTime();
        CompletableFuture<?> f;
        try {
            f = broker.publishAsync(e);
        } catch (RuntimeException failure) {
            f = CompletableFuture.failedFuture(failure);
        }
        slowestCallMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
        published.incrementAndGet();
        pending.incrementAndGet();
        f.whenComplete((id, failure) -> {
            slowestFutureMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                String type = (cause instanceof PublishException ? "" : "untyped:") + cause.getClass().getSimpleName();
                failuresByType.computeIfAbsent(type, k -> new AtomicInteger()).incrementAndGet();
                republished.add((String) e.payload());
                retry.add(e);
            }
            pending.decrementAndGet();
        });
    }

    private String restart(boolean kill, long begin) {
        long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        long t0 = System.nanoTime();
        pulsar.restart(kill);
        return (kill ? "SIGKILL" : "SIGTERM") + " at " + at / 1000 + " s, broker back in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms";
    }

    private static long distinctDelivered(Map<String, List<Delivery>> deliveries) {
        long n = 0;
        for (List<Delivery> list : deliveries.values()) {
            synchronized (list) {
                n += list.stream().mapToInt(Delivery::seq).distinct().count();
            }
        }
        return n;
    }
}
