package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InvalidTopicException;
import io.courier.NoResponderException;
import io.courier.SubscribeOptions;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request/reply under load on a private NATS server: 10,000 requests, 64 outstanding at a time, while the service
 * that answers them is restarted (its broker closed and a new one opened) halfway through, on a thread of its own while
 * requests go on. Every request ends in its own reply, or, made while no responder listened, in a
 * {@link NoResponderException}: none is lost (the old responder drains what it was sent), none answered twice, no reply
 * reaches the wrong request.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsRequestReplyTest {
    private static final int REQUESTS = 10_000;
    private static final int OUTSTANDING = 64;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String url = EmbeddedNatsExtension.shared().url();
    private final String topic = "rr-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

    private Broker service() {
        Broker b = Brokers.open(url);
        b.respond(SubscribeOptions.builder(topic, "pricing").concurrency(4).build(), String.class, m -> {
            handled.computeIfAbsent(m.payload(), k -> new AtomicInteger()).incrementAndGet();
            return "price-of-" + m.payload();
        });
        return b;
    }

    @Test
    void tenThousandRequestsAcrossAResponderRestartEachAnsweredOnceOrFailedTyped() throws Exception {
        Broker[] service = {service()};
        CompletableFuture<Void> restart = null;
        List<CompletableFuture<String>> replies = new ArrayList<>(REQUESTS);
        long[] latencyNanos = new long[REQUESTS];
        Semaphore window = new Semaphore(OUTSTANDING);
        AtomicInteger begun = new AtomicInteger();
        int[] upAgainAt = new int[1];
        try (Broker client = Brokers.open(url)) {
            long start = System.nanoTime();
            for (int i = 0; i < REQUESTS; i++) {
                if (i == REQUESTS / 2) {
                    // on a thread of its own: requests go on while the service is down
                    restart = CompletableFuture.runAsync(() -> {
                        service[0].close();
                        service[0] = service();
                        upAgainAt[0] = begun.get();
                    });
                }
                window.acquire();
                begun.incrementAndGet();
                int n = i;
                long sent = System.nanoTime();
                replies.add(client.requestAsync(Envelope.of(topic, "item-" + i), String.class, TIMEOUT)
                        .whenComplete((r, e) -> {
                            latencyNanos[n] = System.nanoTime() - sent;
                            window.release();
                        }));
            }
            restart.join();
            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            Map<String, Integer> failures = new HashMap<>();
            List<Long> answered = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                CompletableFuture<String> f = replies.get(i);
                if (f.isCompletedExceptionally()) {
                    Throwable cause = f.handle((r, e) -> e.getCause() != null ? e.getCause() : e).join();
                    // refused at once while no responder listened; none taken by the old one is dropped
                    assertThat(cause).as("request " + i).isInstanceOf(NoResponderException.class);
                    assertThat(i).as("failed request " + i + " made while the service was down")
                            .isBetween(REQUESTS / 2, upAgainAt[0] - 1);
                    failures.merge(cause.getClass().getSimpleName(), 1, Integer::sum);
                } else {
                    assertThat(f.join()).as("reply to request " + i).isEqualTo("price-of-item-" + i);
                    assertThat(handled.get("item-" + i)).as("handled " + i).isNotNull();
                    answered.add(latencyNanos[i]);
                }
            }
            List<String> twice = handled.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey)
                    .toList();
            long[] sorted = answered.stream().mapToLong(Long::longValue).sorted().toArray();
            double p50 = sorted[sorted.length / 2] / 1e6;
            double p99 = sorted[(int) (sorted.length * 0.99)] / 1e6;
            System.out.printf("[request-reply] %d requests in %d ms (%d outstanding), service down for requests %d to "
                            + "%d: %d answered, failed %s, answered twice %d; latency p50 %.2f ms, p99 %.2f ms, max "
                            + "%.2f ms%n", REQUESTS, tookMs, OUTSTANDING, REQUESTS / 2, upAgainAt[0] - 1,
                    answered.size(), failures, twice.size(), p50, p99, sorted[sorted.length - 1] / 1e6);
            assertThat(twice).isEmpty();
            assertThat(answered.size() + failures.values().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(REQUESTS);
            assertThat(Arrays.stream(sorted).max().orElse(0)).isLessThan(TIMEOUT.toNanos());
        } finally {
            service[0].close();
        }
    }

    @Test
    void topicsInCouriersOwnSubjectsAreRefusedSoNoStreamCanSwallowARequest() {
        try (Broker b = Brokers.open(url)) {
            assertThatThrownBy(() -> b.publish(NatsRequests.PREFIX + "orders", "x"))
                    .isInstanceOf(InvalidTopicException.class).hasMessageContaining("_courier.");
            assertThatThrownBy(() -> b.respond(SubscribeOptions.builder("_courier.x", "g").build(), String.class,
                    m -> "x")).isInstanceOf(InvalidTopicException.class);
        }
    }
}
