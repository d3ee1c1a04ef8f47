package io.courier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Backoff;
import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A retry runs when its backoff is over even while its lane is busy: it goes ahead of the messages of other keys
 * waiting on that lane, so it is late by about one handler run, not by the lane's whole queue.
 */
class RetryPunctualityTest {
    private static final Duration BACKOFF = Duration.ofMillis(1_500);
    private static final long WORK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aDueRetryIsLateByAboutOneHandlerRunNotByItsLanesQueue() {
        String topic = "punctual-" + UUID.randomUUID();
        ConcurrentHashMap<Integer, Long> attemptAt = new ConcurrentHashMap<>();
        AtomicInteger handled = new AtomicInteger();
        try (Broker broker = Brokers.open("memory://punctuality")) {
            broker.subscribe(SubscribeOptions.builder(topic, "busy").initialPosition(InitialPosition.EARLIEST)
                    .ordering(Ordering.PER_KEY).concurrency(4).maxInFlight(4_000)
                    .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(BACKOFF)).build()).build(),
                    String.class, m -> {
                        if (m.key().orElseThrow().equals("late")) {
                            attemptAt.put(m.attempt(), System.nanoTime());
                            if (m.attempt() == 1) {
                                throw new IllegalStateException("first attempt fails");
                            }
                            return;
                        }
                        LockSupport.parkNanos(WORK_NANOS);   // a millisecond of work per message: the lanes stay busy
                        handled.incrementAndGet();
                    });
            broker.publish(Envelope.builder(topic, "fails once").key("late").codec("text").build());
            Await.until(Duration.ofSeconds(30), () -> attemptAt.containsKey(1), () -> "first attempt not made");
            // about 2,000 messages a second keep the four lanes' queues full until well after the retry is due
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < 12_000; i++) {
                sent.add(broker.publishAsync(Envelope.builder(topic, "m" + i).key("k" + (i % 97)).codec("text").build()));
            }
            sent.forEach(CompletableFuture::join);
            Await.until(Duration.ofSeconds(60), () -> attemptAt.containsKey(2), () -> "no second attempt");
            long lateMs = TimeUnit.NANOSECONDS.toMillis(attemptAt.get(2) - attemptAt.get(1)) - BACKOFF.toMillis();
            int queuedBehind = 12_000 - handled.get();
            System.out.printf("[memory] a 1.5 s retry on a busy PER_KEY lane ran %d ms late; %d messages of other keys "
                    + "still waiting then%n", lateMs, queuedBehind);
            assertThat(queuedBehind).as("the lanes were still busy when the retry ran").isGreaterThan(1_000);
            assertThat(lateMs).as("lateness of the retry").isBetween(0L, 50L);
        }
    }
}
