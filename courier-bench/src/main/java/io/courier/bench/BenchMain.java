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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
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
 * Courier against its baselines in one run: the raw Pulsar client and Spring for Apache Pulsar on one embedded
 * broker, and a plain {@link ArrayBlockingQueue} hand-off for the in-memory broker. Contenders alternate on fresh
 * topics, their order reversed every other round, so that machine drift and broker caches hit them alike; each round
 * prints its figures and the ratio Courier / baseline, and the end prints medians and spreads as Markdown tables.
 *
 * <p>Modes (first argument):
 * <ul>
 *   <li>{@code all [messages (1000000)] [rounds (3)] [latency seconds (30)] [latency rounds (2)]}: everything below
 *       on one broker, tables also written to {@code target/benchmarks.md};</li>
 *   <li>{@code throughput [messages] [rounds]}: publish and consume, raw client and Courier, plus the memory broker;</li>
 *   <li>{@code spring [messages] [rounds]}: the same with Spring for Apache Pulsar as a third contender;</li>
 *   <li>{@code latency [seconds] [rounds] [spring]}: fixed-rate end-to-end latency ({@link LatencyBench});</li>
 *   <li>{@code memory [messages] [rounds]}: {@code memory://} through a {@code MessageServer} vs the queue;</li>
 *   <li>{@code alloc [messages]}: bytes allocated per message on {@code memory://} ({@link AllocationBench});</li>
 *   <li>{@code kafka [messages (200000)] [rounds (3)]}: Courier on an embedded Kafka against the raw
 *       {@code kafka-clients} ({@link KafkaBench}).</li>
 * </ul>
 */
public final class BenchMain {
    private static final byte[] PAYLOAD = new byte[100];
    private static final byte[] PAYLOAD_1K = new byte[1024];
    private final Results results = new Results();

    /** A small record for the json codec runs. */
    public record Click(String user, String page, long at) {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "throughput";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (mode) {
            case "all" -> new BenchMain().all(intArg(rest, 0, 1_000_000), intArg(rest, 1, 3), intArg(rest, 2, 30),
                    intArg(rest, 3, 2));
            case "throughput" -> new BenchMain().throughput(intArg(rest, 0, 200_000), intArg(rest, 1, 3), false);
            case "spring" -> new BenchMain().throughput(intArg(rest, 0, 200_000), intArg(rest, 1, 3), true);
            case "latency" -> LatencyBench.main(rest);
            case "memory" -> new BenchMain().memory(intArg(rest, 0, 1_000_000), intArg(rest, 1, 3));
            case "alloc" -> AllocationBench.main(rest);
            case "kafka" -> KafkaBench.main(rest);
            default -> throw new IllegalArgumentException("unknown mode '" + mode
                    + "'; use all, throughput, spring, latency, memory, alloc or kafka");
        }
    }

    private static int intArg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }

    void all(int n, int rounds, int latencySeconds, int latencyRounds) throws Exception {
        long began = System.nanoTime();
        SpringContender spring = SpringContender.locate();
        String header = String.format("%,d messages per throughput run (1 KiB runs: %,d), %d rounds; latency %d s per run, "
                        + "%d rounds; %d cores, Java %s, Pulsar %s, %s", n, n / 4, rounds, latencySeconds, latencyRounds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), EmbeddedPulsar.version(),
                LocalDate.now());
        System.out.println("Courier benchmarks: " + header);
        memory(n, rounds);
        String latencyTable;
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = open(pulsar);
             Broker bare = openWithoutContentType(pulsar)) {
            pulsarRounds(pulsar, raw, courier, bare, n, rounds, spring);
            latencyTable = new LatencyBench().runOn(pulsar, raw, courier, latencySeconds, latencyRounds, spring);
        }
        String report = "## Results\n\n" + header + "\n\n### Throughput\n\n" + results.table()
                + "\n### Fixed-rate end-to-end latency\n\n" + latencyTable
                + String.format("%nTotal time: %.1f min%n", (System.nanoTime() - began) / 60e9);
        System.out.println();
        System.out.println(report);
        Path file = Path.of("target", "benchmarks.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report, StandardCharsets.UTF_8);
        System.out.println("written to " + file.toAbsolutePath());
    }

    void throughput(int n, int rounds, boolean withSpring) throws Exception {
        SpringContender spring = withSpring ? SpringContender.locate() : null;
        System.out.printf("Courier throughput: %,d messages per run, %d rounds, %d cores, Java %s%n", n, rounds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        memory(n, rounds);
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = open(pulsar);
             Broker bare = openWithoutContentType(pulsar)) {
            pulsarRounds(pulsar, raw, courier, bare, n, rounds, spring);
        }
        System.out.println();
        System.out.println(results.table());
    }

    static Broker open(EmbeddedPulsar pulsar) {
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    /** Bytes as the default codec, published without a content-type: the raw client's message, property for property. */
    static Broker openWithoutContentType(EmbeddedPulsar pulsar) {
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl())
                .defaultCodec("bytes").omitDefaultContentType(true).build());
    }

    // ------------------------------------------------------------------ pulsar

    private static final String PUB_RAW = "publish 100 B: raw client";
    private static final String PUB_RAW_PROPERTY = "publish 100 B: raw client + 1 property";
    private static final String PUB_COURIER = "publish 100 B: Courier bytes";
    private static final String PUB_COURIER_BARE = "publish 100 B: Courier bytes, no content-type (omitDefaultContentType)";
    private static final String PUB_JSON = "publish small record: Courier json";
    private static final String PUB_SPRING = "publish 100 B: Spring PulsarTemplate";
    private static final String PUB_RAW_1K = "publish 1 KiB: raw client";
    private static final String PUB_COURIER_1K = "publish 1 KiB: Courier bytes";
    private static final String CON_RAW = "consume backlog: raw client";
    private static final String CON_RAW_BATCH = "consume backlog: raw client batchReceive + batch ack";
    private static final String CON_RAW_LISTENER = "consume backlog: raw client MessageListener";
    /** Per round the fastest of the three raw loops: what a user writing it by hand would get at best. */
    private static final String CON_RAW_BEST = "consume backlog: best raw loop";
    private static final String CON_C1 = "consume backlog: Courier bytes c=1";
    private static final String CON_C8 = "consume backlog: Courier bytes c=8 unordered";
    private static final String CON_JSON_C1 = "consume backlog: Courier json c=1";
    private static final String CON_JSON_C8 = "consume backlog: Courier json c=8 unordered";
    private static final String CON_SPRING = "consume backlog: Spring @PulsarListener";

    /** A step of a round; steps run in one order in odd rounds and in the reverse order in even rounds. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private void pulsarRounds(EmbeddedPulsar pulsar, PulsarClient raw, Broker courier, Broker bare, int n, int rounds,
                              SpringContender spring) throws Exception {
        System.out.printf("embedded Pulsar %s ready in %d ms%n", EmbeddedPulsar.version(), pulsar.lastStartupTime().toMillis());
        int small = n / 4;
        // one unrecorded pass of the full size first, so that no contender's first round pays for class loading and
        // JIT compilation, here or in the broker
        String warm = topic();
        createSubscriptions(raw, warm, "raw", "courier");
        publishRaw(raw, topic(), n, PAYLOAD);
        publishCourier(courier, warm, n, PAYLOAD, false);
        publishCourier(bare, topic(), n, PAYLOAD, false);
        consumeRaw(raw, warm, "raw", n);
        consumeCourier(courier, warm, "courier", n, 1, byte[].class);
        stopServers();
        for (int r = 1; r <= rounds; r++) {
            int round = r;
            // Every consumer of a payload kind reads the same backlog through its own subscription: identical data
            // for each. Backlogs are published by Courier, so every message carries its content-type property.
            String bytesTopic = topic();
            String jsonTopic = topic();
            createSubscriptions(raw, bytesTopic, "raw", "rawb", "rawl", "c1", "c8");
            createSubscriptions(raw, jsonTopic, "c1", "c8");
            String springTopic = topic();
            createSubscriptions(raw, springTopic, "spring");
            List<Step> publishes = new ArrayList<>(List.of(
                    () -> results.measured(PUB_RAW, round, n, () -> publishRaw(raw, topic(), n, PAYLOAD)),
                    () -> results.measured(PUB_RAW_PROPERTY, round, n, () -> publishRaw(raw, topic(), n, PAYLOAD, true)),
                    () -> results.measured(PUB_COURIER, round, n, () -> publishCourier(courier, bytesTopic, n, PAYLOAD, false)),
                    () -> results.measured(PUB_COURIER_BARE, round, n, () -> publishCourier(bare, topic(), n, PAYLOAD, false)),
                    () -> results.measured(PUB_JSON, round, n, () -> publishCourier(courier, jsonTopic, n, null, true)),
                    () -> results.record(PUB_RAW_1K, round, publishRaw(raw, topic(), small, PAYLOAD_1K)),
                    // set up as the raw run's topic: one durable subscription, so the broker keeps what is published
                    () -> results.record(PUB_COURIER_1K, round, publishCourier(courier, topicWithSubscription(raw), small,
                            PAYLOAD_1K, false))));
            if (spring != null) {
                publishes.add(() -> results.record(PUB_SPRING, round,
                        spring.run("publish", pulsar.serviceUrl(), springTopic, n, small)));
            }
            List<Step> consumes = new ArrayList<>(List.of(
                    () -> results.measured(CON_RAW, round, n, () -> consumeRaw(raw, bytesTopic, "raw", n)),
                    () -> results.measured(CON_RAW_BATCH, round, n, () -> consumeRawBatches(raw, bytesTopic, "rawb", n)),
                    () -> results.measured(CON_RAW_LISTENER, round, n, () -> consumeRawListener(raw, bytesTopic, "rawl", n)),
                    () -> results.measured(CON_C1, round, n, () -> consumeCourier(courier, bytesTopic, "c1", n, 1, byte[].class)),
                    () -> results.measured(CON_C8, round, n, () -> consumeCourier(courier, bytesTopic, "c8", n, 8, byte[].class)),
                    () -> results.measured(CON_JSON_C1, round, n, () -> consumeCourier(courier, jsonTopic, "c1", n, 1, Click.class)),
                    () -> results.measured(CON_JSON_C8, round, n, () -> consumeCourier(courier, jsonTopic, "c8", n, 8, Click.class))));
            if (spring != null) {
                consumes.add(() -> results.record(CON_SPRING, round,
                        spring.run("consume", pulsar.serviceUrl(), springTopic, n, small)));
            }
            if (round % 2 == 0) {
                Collections.reverse(publishes);
                Collections.reverse(consumes);
            }
            for (Step s : publishes) {
                s.run();
            }
            for (Step s : consumes) {
                s.run();
                stopServers();   // outside the measured interval, whose allocation counts the servers' live threads
            }
            results.best(round, CON_RAW_BEST, CON_RAW, CON_RAW_BATCH, CON_RAW_LISTENER);
            results.ratio(round, PUB_COURIER, PUB_RAW);
            results.ratio(round, PUB_COURIER, PUB_RAW_PROPERTY);
            results.ratio(round, PUB_RAW_PROPERTY, PUB_RAW);   // what the one property costs the raw client itself
            results.ratio(round, PUB_COURIER_BARE, PUB_RAW);
            results.ratio(round, PUB_COURIER_1K, PUB_RAW_1K);
            results.ratio(round, PUB_JSON, PUB_RAW);
            results.ratio(round, CON_C1, CON_RAW);
            results.ratio(round, CON_C1, CON_RAW_BEST);
            results.ratio(round, CON_C8, CON_RAW_BEST);
            results.ratio(round, CON_C8, CON_RAW);
            results.ratio(round, CON_JSON_C1, CON_RAW);
            if (spring != null) {
                results.ratio(round, PUB_COURIER, PUB_SPRING);
                results.ratio(round, CON_C1, CON_SPRING);
                results.ratio(round, PUB_SPRING, PUB_RAW);
                results.ratio(round, CON_SPRING, CON_RAW);
            }
        }
    }

    private static String topic() {
        return "bench-" + UUID.randomUUID();
    }

    private static String topicWithSubscription(PulsarClient raw) throws Exception {
        String t = topic();
        createSubscriptions(raw, t, "bench");
        return t;
    }

    /** Subscriptions made before publishing, so that the broker keeps the backlog for each of them. */
    private static void createSubscriptions(PulsarClient client, String topic, String... names) throws Exception {
        for (String name : names) {
            subscribeRaw(client, topic, name, false).close();
        }
    }

    /** The raw client's consumer in every workload: receiver queue 1,000, as Courier's. */
    static Consumer<byte[]> subscribeRaw(PulsarClient client, String topic, String subscription,
                                         boolean batchIndexAck) throws Exception {
        return client.newConsumer(Schema.BYTES).topic(topic).subscriptionName(subscription)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(1000)
                .enableBatchIndexAcknowledgment(batchIndexAck).subscribe();
    }

    /** The raw client's producer in every workload, with Courier's settings: batches of up to 1,000 / 1 ms, key-based. */
    static Producer<byte[]> rawProducer(PulsarClient client, String topic) throws Exception {
        return client.newProducer(Schema.BYTES).topic(topic).enableBatching(true).batchingMaxMessages(1000)
                .batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS).batcherBuilder(BatcherBuilder.KEY_BASED)
                .blockIfQueueFull(true).create();
    }

    /** The raw client publishing {@code n} times {@code payload} asynchronously. */
    private static double publishRaw(PulsarClient client, String topic, int n, byte[] payload) throws Exception {
        return publishRaw(client, topic, n, payload, false);
    }

    /**
     * With {@code property}, each message also carries the one property Courier writes on every message (its
     * content-type header), to tell the cost of that header from the wrapper's own.
     */
    private static double publishRaw(PulsarClient client, String topic, int n, byte[] payload, boolean property)
            throws Exception {
        createSubscriptions(client, topic, "bench");
        try (Producer<byte[]> p = rawProducer(client, topic)) {
            p.send(payload);   // warm-up outside the clock, as for Courier (whose producer is made on first publish)
            long start = System.nanoTime();
            CompletableFuture<?> last = null;
            for (int i = 0; i < n; i++) {
                last = property ? p.newMessage().value(payload).property("content-type", "application/octet-stream").sendAsync()
                        : p.sendAsync(payload);
            }
            last.get();
            return Results.rate(n, start);
        }
    }

    /** Publishes {@code payload} with the bytes codec, or with {@code json} a {@link Click} with the json codec. */
    private static double publishCourier(Broker broker, String topic, int n, byte[] payload, boolean json) throws Exception {
        Click click = new Click("user-1", "/home", 1_700_000_000_000L);
        // warm-up outside the clock: creates the cached producer, as the raw run creates its producer first
        broker.publish(json ? Envelope.of(topic, click) : Envelope.builder(topic, payload).codec("bytes").build());
        long start = System.nanoTime();
        CompletableFuture<MessageId> last = null;
        for (int i = 0; i < n; i++) {
            last = broker.publishAsync(json ? Envelope.of(topic, click) : Envelope.builder(topic, payload).codec("bytes").build());
        }
        last.get();
        return Results.rate(n, start);
    }

    /** receive + acknowledgeAsync; the clock starts at the first (warm-up) message, as for Courier. */
    private static double consumeRaw(PulsarClient client, String topic, String subscription, int n) throws Exception {
        try (Consumer<byte[]> c = subscribeRaw(client, topic, subscription, false)) {
            Message<byte[]> first = c.receive();
            long start = System.nanoTime();
            c.acknowledgeAsync(first.getMessageId());
            for (int i = 0; i < n; i++) {
                Message<byte[]> m = c.receive();
                c.acknowledgeAsync(m.getMessageId());
            }
            return Results.rate(n, start);
        }
    }

    /** batchReceive (up to the receiver queue) + one acknowledgement per batch: the raw client's fastest loop. */
    private static double consumeRawBatches(PulsarClient client, String topic, String subscription, int n) throws Exception {
        try (Consumer<byte[]> c = client.newConsumer(Schema.BYTES).topic(topic).subscriptionName(subscription)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(1000)
                .batchReceivePolicy(org.apache.pulsar.client.api.BatchReceivePolicy.builder().maxNumMessages(1000)
                        .timeout(1, TimeUnit.MILLISECONDS).build()).subscribe()) {
            Message<byte[]> first = c.receive();
            long start = System.nanoTime();
            c.acknowledgeAsync(first.getMessageId());
            int got = 0;
            while (got < n) {
                org.apache.pulsar.client.api.Messages<byte[]> batch = c.batchReceive();
                got += batch.size();
                c.acknowledgeAsync(batch);
            }
            return Results.rate(n, start);
        }
    }

    /** A MessageListener acknowledging each message: the client's push style, on its listener thread. */
    private static double consumeRawListener(PulsarClient client, String topic, String subscription, int n) throws Exception {
        LongAdder got = new LongAdder();
        long[] start = new long[1];
        try (Consumer<byte[]> c = client.newConsumer(Schema.BYTES).topic(topic).subscriptionName(subscription)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(1000)
                .messageListener((consumer, m) -> {
                    if (start[0] == 0) {
                        start[0] = System.nanoTime();   // the first (warm-up) message starts the clock, as for the others
                    }
                    consumer.acknowledgeAsync(m.getMessageId());
                    got.increment();
                }).subscribe()) {
            while (got.sum() < n + 1) {
                LockSupport.parkNanos(200_000);
            }
            return Results.rate(n, start[0]);
        }
    }

    /** Servers of the last consume runs, stopped after their measurement. */
    private static final List<MessageServer> TO_STOP = new ArrayList<>();

    private static void stopServers() {
        for (MessageServer s : TO_STOP) {
            s.stop(Duration.ofSeconds(10));
        }
        TO_STOP.clear();
    }

    /**
     * A {@code MessageServer} handler (STRICT at concurrency 1, UNORDERED above). The clock starts when the warm-up
     * message (the first of the backlog) is handled, so neither contender's subscribe time counts.
     */
    private static <T> double consumeCourier(Broker broker, String topic, String subscription, int n, int concurrency,
                                             Class<T> type) {
        LongAdder handled = new LongAdder();
        long[] start = new long[1];
        MessageServer server = MessageServer.builder(broker).build();
        server.register(SubscribeOptions.builder(topic, subscription).initialPosition(InitialPosition.EARLIEST)
                .ordering(concurrency == 1 ? Ordering.STRICT : Ordering.UNORDERED).concurrency(concurrency).build(),
                type, m -> {
                    if (handled.sum() == 0) {
                        synchronized (start) {
                            if (start[0] == 0) {
                                start[0] = System.nanoTime();
                            }
                        }
                    }
                    handled.increment();
                });
        server.start();
        while (handled.sum() < n + 1) {   // n + the warm-up message
            LockSupport.parkNanos(200_000);
        }
        double r;
        synchronized (start) {
            r = Results.rate(n, start[0]);
        }
        // stopped by the caller after the allocation count: its threads' allocation ends with them
        TO_STOP.add(server);
        return r;
    }

    // ------------------------------------------------------------------ memory

    private static final String QUEUE = "in-process: ArrayBlockingQueue hand-off";
    private static final String MEMORY = "in-process: memory:// MessageServer bytes";

    void memory(int n, int rounds) throws InterruptedException {
        handOff(n);   // unrecorded warm-up of both
        try (Broker broker = Brokers.open("memory://bench-warm-up")) {
            memoryServer(broker, n);
        }
        for (int round = 1; round <= rounds; round++) {
            results.record(QUEUE, round, handOff(n));
            try (Broker broker = Brokers.open("memory://bench-" + round)) {
                results.record(MEMORY, round, memoryServer(broker, n));
            }
            results.ratio(round, MEMORY, QUEUE);
        }
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
        return Results.rate(n, start);
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
        double r = Results.rate(n, start);
        server.stop(Duration.ofSeconds(5));
        return r;
    }

    private BenchMain() {
    }
}
