package io.courier.kafka;

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
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The broker is stopped (SIGTERM) or killed (SIGKILL) and restarted on the same log directory while 20 publishers
 * send 10,000 messages and a subscriber consumes them. Publishers retry a publish that failed; nothing may be lost;
 * duplicates are counted and reported.
 */
class KafkaFaultTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 500;
    private EmbeddedKafka kafka;

    @BeforeEach
    void start() {
        kafka = EmbeddedKafka.builder().build().start();
    }

    @AfterEach
    void stop() {
        kafka.close();
    }

    @Test
    void gracefulBrokerRestartWhilePublishingAndConsuming() throws Exception {
        runThroughRestart(false);
    }

    @Test
    void killedBrokerRestartWhilePublishingAndConsuming() throws Exception {
        runThroughRestart(true);
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(60)).build();
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        AtomicInteger publishRetries = new AtomicInteger();
        try (Broker broker = Brokers.open("kafka://" + kafka.bootstrapServers(), options)) {
            Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "fault")
                    .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.UNORDERED).concurrency(4).build(),
                    String.class, m -> received.computeIfAbsent(m.payload(), k -> new AtomicInteger()).incrementAndGet());
            ExecutorService publishers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(publishers.submit(() -> {
                    for (int i = 0; i < PER_THREAD; i++) {
                        String payload = thread + "-" + i;
                        while (true) {
                            try {
                                broker.publish(Envelope.builder(topic, payload).codec("text").build());
                                break;
                            } catch (PublishException e) {
                                publishRetries.incrementAndGet();
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                            }
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                    return null;
                }));
            }
            Await.until(Duration.ofSeconds(60), () -> received.size() >= 2_000, () -> "received " + received.size());
            long begin = System.nanoTime();
            kafka.restart(kill);
            long downMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            publishers.shutdown();
            Set<String> expected = new HashSet<>();
            for (int t = 0; t < THREADS; t++) {
                for (int i = 0; i < PER_THREAD; i++) {
                    expected.add(t + "-" + i);
                }
            }
            Await.until(Duration.ofMinutes(2), () -> received.keySet().containsAll(expected),
                    () -> "received " + received.size() + " of " + expected.size() + " distinct");
            int duplicates = received.values().stream().mapToInt(AtomicInteger::get).sum() - received.size();
            System.out.printf("[fault] kafka %s: broker down and back in %d ms; %d messages, 0 lost, %d duplicate "
                    + "deliveries, %d publish retries%n", kill ? "SIGKILL" : "SIGTERM", downMs, expected.size(),
                    duplicates, publishRetries.get());
            assertThat(received.keySet()).isEqualTo(expected);
            sub.close(Duration.ofSeconds(10));
        }
    }
}
