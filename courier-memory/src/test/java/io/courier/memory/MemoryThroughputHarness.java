package io.courier.memory;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A small throughput harness for memory:// through MessageServer with the bytes codec (the benchmark module comes
 * later). Not a test: run with
 * {@code mvn -q -pl courier-memory exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.courier.memory.MemoryThroughputHarness}.
 * Prints, per round, publish-only rate and end-to-end rate (publish + handle + ack), for three dispatch shapes.
 */
public final class MemoryThroughputHarness {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[] payload = new byte[100];
        try (Broker broker = Brokers.open("memory://harness")) {
            for (int round = 1; round <= rounds; round++) {
                publishOnly(broker, n, payload, round);
                endToEnd(broker, n, payload, round, "STRICT c=1", Ordering.STRICT, 1);
                endToEnd(broker, n, payload, round, "PER_KEY c=4", Ordering.PER_KEY, 4);
                endToEnd(broker, n, payload, round, "UNORDERED c=4", Ordering.UNORDERED, 4);
            }
        }
    }

    private static void publishOnly(Broker broker, int n, byte[] payload, int round) {
        String topic = "harness-pub-" + UUID.randomUUID();
        // a subscription so the topic retains (and pays for) what is published
        broker.subscribe(SubscribeOptions.builder(topic, "idle").build(), byte[].class, m -> { }).close();
        long start = System.nanoTime();
        List<CompletableFuture<MessageId>> last = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<MessageId> f = broker.publishAsync(Envelope.builder(topic, payload).codec("bytes").key("k" + (i & 63)).build());
            if (i == n - 1) {
                last.add(f);
            }
        }
        last.forEach(CompletableFuture::join);
        report(round, "publish only", n, System.nanoTime() - start);
    }

    private static void endToEnd(Broker broker, int n, byte[] payload, int round, String label, Ordering ordering,
                                 int concurrency) {
        String topic = "harness-e2e-" + UUID.randomUUID();
        LongAdder handled = new LongAdder();
        MessageServer server = MessageServer.builder(broker).build();
        server.register(SubscribeOptions.builder(topic, "bench").type(SubscriptionType.SHARED)
                .initialPosition(InitialPosition.EARLIEST).ordering(ordering).concurrency(concurrency).build(),
                byte[].class, m -> handled.increment());
        server.start();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            broker.publishAsync(Envelope.builder(topic, payload).codec("bytes").key("k" + (i & 63)).build());
        }
        while (handled.sum() < n) {
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
        long elapsed = System.nanoTime() - start;
        server.stop(Duration.ofSeconds(5));
        report(round, "end to end " + label, n, elapsed);
    }

    private static void report(int round, String what, int n, long nanos) {
        System.out.printf("round %d  %-28s %,10d msgs  %7.2f s  %,12.0f msg/s%n", round, what, n, nanos / 1e9, n / (nanos / 1e9));
    }

    private MemoryThroughputHarness() {
    }
}
