package io.courier.bench;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;

/**
 * Courier against its baselines in one run: the raw Pulsar client on one embedded broker, and a plain
 * {@link ArrayBlockingQueue} hand-off for the in-memory broker. Contenders alternate A B A B ... on fresh topics so
 * that machine drift hits them alike; each round prints msg/s and the ratio Courier / baseline, and the end prints
 * medians and spreads as a Markdown table.
 *
 * <p>Arguments: {@code [messages per run (200000)] [rounds (3)]}, or {@code alloc [messages]} for
 * {@link AllocationBench}, or {@code latency [seconds] [rounds]} for {@link LatencyBench}, or
 * {@code spring [messages] [rounds]} for Courier, the raw client and Spring for Apache Pulsar side by side.
 */
public final class BenchMain {
    private static final byte[] PAYLOAD = new byte[100];
    private final Map<String, List<Double>> results = new LinkedHashMap<>();

    /** A small record for the json codec run. */
    public record Click(String user, String page, long at) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("alloc")) {
            AllocationBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("spring")) {
            int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
            int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
            new BenchMain().runSpring(n, rounds);
            return;
        }
        if (args.length > 0 && args[0].equals("latency")) {
            LatencyBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        new BenchMain().run(n, rounds);
    }

    void run(int n, int rounds) throws Exception {
        System.out.printf("Courier benchmarks: %,d messages of 100 B per run, %d rounds, %d cores, Java %s%n", n, rounds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        for (int round = 1; round <= rounds; round++) {
            memoryRound(round, n * 5);
        }
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            System.out.printf("embedded Pulsar %s ready in %d ms%n", EmbeddedPulsar.version(), pulsar.lastStartupTime().toMillis());
            for (int round = 1; round <= rounds; round++) {
                String rawTopic = topic();
                String courierTopic = topic();
                record("publish 100 B: raw client", round, publishRaw(raw, rawTopic, n));
                record("publish 100 B: Courier bytes", round, publishCourier(courier, courierTopic, n, false));
                record("publish 100 B: raw client + 1 property", round, publishRaw(raw, topic(), n, true));
                record("publish small record: Courier json", round, publishCourier(courier, topic(), n, true));
                measured("consume backlog: raw client", round, n, () -> consumeRaw(raw, rawTopic, n));
                measured("consume backlog: Courier c=1", round, n, () -> consumeCourier(courier, courierTopic, n, 1));
                String again = topic();
                publishCourier(courier, again, n, false);
                measured("consume backlog: Courier c=8 unordered", round, n, () -> consumeCourier(courier, again, n, 8));
                ratio(round, "publish 100 B: Courier bytes", "publish 100 B: raw client");
                ratio(round, "publish 100 B: Courier bytes", "publish 100 B: raw client + 1 property");
                ratio(round, "consume backlog: Courier c=1", "consume backlog: raw client");
            }
        }
        table();
    }

    /**
     * Courier, the raw client and Spring for Apache Pulsar ({@code courier-bench-spring}, its own JVM since it brings
     * its own Pulsar client version) against one broker, alternating per round.
     */
    void runSpring(int n, int rounds) throws Exception {
        SpringContender spring = SpringContender.locate();
        int warmUp = n / 4;
        System.out.printf("Courier vs Spring for Apache Pulsar: %,d messages of 100 B per run, %d rounds, %d cores, Java %s%n",
                n, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            // the in-process contenders warm up once, as each Spring process does before its clock starts
            consumeRaw(raw, topicWith(t -> publishRaw(raw, t, warmUp)), warmUp);
            consumeCourier(courier, topicWith(t -> publishCourier(courier, t, warmUp, false)), warmUp, 1);
            for (int round = 1; round <= rounds; round++) {
                String rawTopic = topic();
                String courierTopic = topic();
                String springTopic = topic();
                subscribeRaw(raw, springTopic).close();
                subscribeRaw(raw, springTopic + "-warm").close();
                record("publish 100 B: raw client", round, publishRaw(raw, rawTopic, n));
                record("publish 100 B: Courier bytes", round, publishCourier(courier, courierTopic, n, false));
                record("publish 100 B: Spring PulsarTemplate", round, spring.run("publish", pulsar.serviceUrl(), springTopic, n, warmUp));
                record("consume backlog: raw client", round, consumeRaw(raw, rawTopic, n));
                record("consume backlog: Courier c=1", round, consumeCourier(courier, courierTopic, n, 1));
                record("consume backlog: Spring @PulsarListener", round, spring.run("consume", pulsar.serviceUrl(), springTopic, n, warmUp));
                ratio(round, "publish 100 B: Courier bytes", "publish 100 B: Spring PulsarTemplate");
                ratio(round, "consume backlog: Courier c=1", "consume backlog: Spring @PulsarListener");
                ratio(round, "publish 100 B: Spring PulsarTemplate", "publish 100 B: raw client");
                ratio(round, "consume backlog: Spring @PulsarListener", "consume backlog: raw client");
            }
        }
        table();
    }

    @FunctionalInterface
    private interface Fill {
        double into(String topic) throws Exception;
    }

    private static String topicWith(Fill fill) throws Exception {
        String t = topic();
        fill.into(t);
        return t;
    }

    private static String topic() {
        return "bench-" + UUID.randomUUID();
    }

    // ------------------------------------------------------------------ memory

    private void memoryRound(int round, int n) throws Exception {
        record("in-process: ArrayBlockingQueue hand-off", round, handOff(n));
        try (Broker broker = Brokers.open("memory://bench")) {
            record("in-process: memory:// MessageServer bytes", round, memoryServer(broker, n));
        }
        ratio(round, "in-process: memory:// MessageServer bytes", "in-process: ArrayBlockingQueue hand-off");
    }

    private static double handOff(int n) throws InterruptedException {
        ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(1000);
        LongAdder taken = new LongAdder();
        Thread consumer = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    queue.take();
                    taken.increment();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        consumer.start();
        for (int i = 0; i < n; i++) {
            queue.put(PAYLOAD);
        }
        consumer.join();
        return rate(n, start);
    }

    private static double memoryServer(Broker broker, int n) {
        String topic = topic();
        LongAdder handled = new LongAdder();
        MessageServer server = MessageServer.builder(broker).build();
        server.register(SubscribeOptions.builder(topic, "bench").type(SubscriptionType.SHARED)
                .ordering(Ordering.UNORDERED).concurrency(1).initialPosition(InitialPosition.EARLIEST).build(),
                byte[].class, m -> handled.increment());
        server.start();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            broker.publishAsync(Envelope.builder(topic, PAYLOAD).codec("bytes").build());
        }
        while (handled.sum() < n) {
            LockSupport.parkNanos(200_000);
        }
        double r = rate(n, start);
        server.stop(Duration.ofSeconds(5));
        return r;
    }

    // ------------------------------------------------------------------ pulsar

    private static double publishRaw(PulsarClient client, String topic, int n) throws Exception {
        return publishRaw(client, topic, n, false);
    }

    /** With {@code property}, each message carries the one property Courier adds (its content-type header). */
    private static double publishRaw(PulsarClient client, String topic, int n, boolean property) throws Exception {
        subscribeRaw(client, topic).close();    // the subscription makes the broker keep the backlog for the consume run
        try (Producer<byte[]> p = client.newProducer(Schema.BYTES).topic(topic).enableBatching(true)
                .batchingMaxMessages(1000).batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS)
                .batcherBuilder(BatcherBuilder.KEY_BASED).blockIfQueueFull(true).create()) {
            p.send(PAYLOAD);   // warm-up outside the clock, as for Courier (whose producer is made on first publish)
            long start = System.nanoTime();
            CompletableFuture<?> last = null;
            for (int i = 0; i < n; i++) {
                last = property ? p.newMessage().value(PAYLOAD).property("content-type", "application/octet-stream").sendAsync()
                        : p.sendAsync(PAYLOAD);
            }
            last.get();
            return rate(n, start);
        }
    }

    private static Consumer<byte[]> subscribeRaw(PulsarClient client, String topic) throws Exception {
        return client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("bench")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(1000).subscribe();
    }

    private static double publishCourier(Broker broker, String topic, int n, boolean json) throws Exception {
        broker.subscribe(SubscribeOptions.builder(topic, "bench").initialPosition(InitialPosition.EARLIEST).build(),
                byte[].class, m -> { }).close(Duration.ofSeconds(5));
        Click click = new Click("user-1", "/home", 1_700_000_000_000L);
        // warm-up outside the clock: creates the cached producer, as the raw run creates its producer first
        broker.publish(json ? Envelope.of(topic, click) : Envelope.builder(topic, PAYLOAD).codec("bytes").build());
        long start = System.nanoTime();
        CompletableFuture<MessageId> last = null;
        for (int i = 0; i < n; i++) {
            last = broker.publishAsync(json ? Envelope.of(topic, click) : Envelope.builder(topic, PAYLOAD).codec("bytes").build());
        }
        last.get();
        return rate(n, start);
    }

    private static double consumeRaw(PulsarClient client, String topic, int n) throws Exception {
        try (Consumer<byte[]> c = subscribeRaw(client, topic)) {
            long start = System.nanoTime();
            for (int i = 0; i <= n; i++) {   // n + the warm-up message
                Message<byte[]> m = c.receive();
                c.acknowledgeAsync(m.getMessageId());
            }
            return rate(n, start);
        }
    }

    private static double consumeCourier(Broker broker, String topic, int n, int concurrency) {
        LongAdder handled = new LongAdder();
        MessageServer server = MessageServer.builder(broker).build();
        server.register(SubscribeOptions.builder(topic, "bench").initialPosition(InitialPosition.EARLIEST)
                .ordering(concurrency == 1 ? Ordering.STRICT : Ordering.UNORDERED).concurrency(concurrency).build(),
                byte[].class, m -> handled.increment());
        long start = System.nanoTime();
        server.start();
        while (handled.sum() < n + 1) {   // n + the warm-up message
            LockSupport.parkNanos(200_000);
        }
        double r = rate(n, start);
        server.stop(Duration.ofSeconds(10));
        return r;
    }

    // ------------------------------------------------------------------ reporting

    /**
     * Records a consume run's rate, the bytes all live threads allocated per message during it, and the heap's
     * high-water mark (peak since the run began, garbage included, in this JVM, which under exec:java is Maven's).
     */
    @FunctionalInterface
    private interface Run {
        double rate() throws Exception;
    }

    private void measured(String name, int round, int n, Run run) throws Exception {
        java.lang.management.ManagementFactory.getMemoryPoolMXBeans().forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
        long before = allocated();
        double rate = run.rate();
        long bytes = allocated() - before;
        long peak = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        record(name, round, rate);
        results.computeIfAbsent("bytes/msg: " + name, k -> new ArrayList<>()).add((double) bytes / n);
        results.computeIfAbsent("heap peak MiB: " + name, k -> new ArrayList<>()).add(peak / 1048576.0);
        System.out.printf(Locale.ROOT, "round %d  %-44s %,8.0f B allocated per message, heap peak %,.0f MiB%n", round, name,
                (double) bytes / n, peak / 1048576.0);
    }

    private static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static double rate(int n, long startNanos) {
        return n / ((System.nanoTime() - startNanos) / 1e9);
    }

    private void record(String name, int round, double perSecond) {
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(perSecond);
        System.out.printf(Locale.ROOT, "round %d  %-44s %,12.0f msg/s%n", round, name, perSecond);
    }

    private void ratio(int round, String courier, String baseline) {
        List<Double> c = results.get(courier);
        List<Double> b = results.get(baseline);
        double r = c.get(c.size() - 1) / b.get(b.size() - 1);
        results.computeIfAbsent("ratio: " + courier + " / " + baseline, k -> new ArrayList<>()).add(r);
        System.out.printf(Locale.ROOT, "round %d  ratio %s / %s = %.2f%n", round, courier, baseline, r);
    }

    private void table() {
        System.out.println();
        System.out.println("| workload | median | min | max |");
        System.out.println("|---|---|---|---|");
        results.forEach((name, values) -> {
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            double median = sorted.get(sorted.size() / 2);
            String fmt = name.startsWith("ratio") ? "%.2f" : name.startsWith("bytes/msg") ? "%,.0f B"
                    : name.startsWith("heap peak") ? "%,.0f MiB" : "%,.0f msg/s";
            System.out.printf(Locale.ROOT, "| %s | " + fmt + " | " + fmt + " | " + fmt + " |%n", name, median,
                    sorted.get(0), sorted.get(sorted.size() - 1));
        });
    }

    private BenchMain() {
    }
}
