package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.NoResponderException;
import io.courier.SubscribeOptions;
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
import java.util.function.Supplier;

/**
 * Request/reply under load across a responder's restart, for a backend with native request/reply: {@code requests}
 * requests, {@code outstanding} at a time, while the service that answers them is restarted (its broker closed and a
 * new one opened) halfway through, on a thread of its own while requests go on. Asserts that every request ends in
 * its own reply, or, made while no responder listened, in a {@link NoResponderException}: none lost (the closing
 * responder answers what it was sent), none answered twice, no reply to the wrong request. Prints the figures.
 */
public final class RequestRestartLoad {
    private final Supplier<Broker> open;
    private final String label;
    private final String topic = "rr-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

    /**
     * @param open  opens a broker client on the backend under test
     * @param label the backend's name in the printed line
     */
    public RequestRestartLoad(Supplier<Broker> open, String label) {
        this.open = open;
        this.label = label;
    }

    private Broker service() {
        Broker b = open.get();
        b.respond(SubscribeOptions.builder(topic, "pricing").concurrency(4).build(), String.class, m -> {
            handled.computeIfAbsent(m.payload(), k -> new AtomicInteger()).incrementAndGet();
            return "price-of-" + m.payload();
        });
        return b;
    }

    public void run(int requests, int outstanding, Duration timeout) throws Exception {
        Broker[] service = {service()};
        CompletableFuture<Void> restart = null;
        List<CompletableFuture<String>> replies = new ArrayList<>(requests);
        long[] latencyNanos = new long[requests];
        Semaphore window = new Semaphore(outstanding);
        AtomicInteger begun = new AtomicInteger();
        int[] upAgainAt = new int[1];
        try (Broker client = open.get()) {
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                if (i == requests / 2) {
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
                replies.add(client.requestAsync(Envelope.of(topic, "item-" + i), String.class, timeout)
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
            for (int i = 0; i < requests; i++) {
                CompletableFuture<String> f = replies.get(i);
                if (f.isCompletedExceptionally()) {
                    Throwable cause = f.handle((r, e) -> e.getCause() != null ? e.getCause() : e).join();
                    assertThat(cause).as("request " + i).isInstanceOf(NoResponderException.class);
                    assertThat(i).as("failed request " + i + " made while the service was down")
                            .isBetween(requests / 2, upAgainAt[0] - 1);
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
            System.out.printf("[request-reply] %s: %d requests in %d ms (%d outstanding), service down for requests "
                            + "%d to %d: %d answered, failed %s, answered twice %d; latency p50 %.2f ms, p99 %.2f ms, "
                            + "max %.2f ms%n", label, requests, tookMs, outstanding, requests / 2, upAgainAt[0] - 1,
                    answered.size(), failures, twice.size(), sorted[sorted.length / 2] / 1e6,
                    sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6);
            assertThat(twice).isEmpty();
            assertThat(answered.size() + failures.values().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(requests);
            assertThat(Arrays.stream(sorted).max().orElse(0)).isLessThan(timeout.toNanos());
        } finally {
            service[0].close();
        }
    }
}
