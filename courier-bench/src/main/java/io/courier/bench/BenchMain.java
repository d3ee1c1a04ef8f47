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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * Courier against its baselines in one run: the raw Pulsar client and Spring for Apache Pulsar on one embedded
 * broker, and a plain {@link ArrayBlockingQueue} hand-off for the in-memory broker. Contenders alternate on fresh
 * topics, their order reversed every other round, so that machine drift and broker caches hit them alike; each round
 * prints its figures and the ratio Courier / baseline, and the end prints medians and spreads as Markdown tables.
 *
 * <p>Modes ({@code --help} lists the options: {@code --messages}, {@code --rounds}, {@code --latency-seconds},
 * {@code --latency-rounds}):
 * <ul>
 *   <li>{@code all}: everything below but Kafka on one broker, tables also written to {@code target/benchmarks.md};</li>
 *   <li>{@code throughput}: publish and consume, raw client and Courier, plus the memory broker;</li>
 *   <li>{@code spring}: the same with Spring for Apache Pulsar as a contender (Boot's defaults, and matched);</li>
 *   <li>{@code latency}: fixed-rate end-to-end latency ({@link LatencyBench});</li>
 *   <li>{@code memory}: {@code memory://} through a {@code MessageServer} vs the queue;</li>
 *   <li>{@code alloc}: bytes allocated per message on {@code memory://} ({@link AllocationBench});</li>
 *   <li>{@code kafka}: Courier on an embedded Kafka against the raw {@code kafka-clients} and Spring for Apache Kafka
 *       ({@link KafkaBench});</li>
 *   <li>{@code rabbitmq}: Courier on a private RabbitMQ node against the raw {@code amqp-client} ({@link RabbitBench});</li>
 *   <li>{@code nats}: Courier on a private NATS server against the raw {@code jnats} JetStream client ({@link NatsBench});</li>
 *   <li>{@code outbox}: the outbox relay against direct publishing, and the idempotent consumer against the example
 *   saver's keyed insert, on PostgreSQL and NATS ({@link OutboxBench});</li>
 *   <li>{@code pipeline}: the example pipeline, HTTP accept to database commit, per saver batch size
 *       ({@link PipelineBench});</li>
 *   <li>{@code gateway}: the example's gateway under wrk and at a fixed rate, on PostgreSQL ({@link GatewayBench}).</li>
 * </ul>
 */
public final class BenchMain {
    private static final byte[] PAYLOAD = new byte[100];
    private static final byte[] PAYLOAD_1K = new byte[1024];
    private final Results results = new Results();

    /** A small record for the json codec runs. */
    public record Click(String user, String page, long at) {
    }

    /** The workloads, by the name given on the command line. */
    enum Mode { ALL, THROUGHPUT, SPRING, LATENCY, MEMORY, ALLOC, KAFKA, RABBITMQ, NATS, OUTBOX, PIPELINE, GATEWAY }

    /** The command line: a mode and its sizes. */
    @Command(name = "courier-bench", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Courier against its baselines, alternating in one run (see the class comment of BenchMain).")
    static final class Cli implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "throughput", paramLabel = "MODE",
                description = "all, throughput, spring, latency, memory, alloc, kafka, rabbitmq, nats, outbox, pipeline or "
                        + "gateway "
                        + "(default ${DEFAULT-VALUE}).")
        Mode mode;

        @Option(names = "--messages", paramLabel = "N",
                description = "Messages per throughput run (default 1,000,000 for all and memory, 200,000 otherwise).")
        Integer messages;

        @Option(names = "--rounds", paramLabel = "R", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--latency-seconds", paramLabel = "S", defaultValue = "15",
                description = "Seconds per fixed-rate latency run (default ${DEFAULT-VALUE}).")
        int latencySeconds;

        @Option(names = "--latency-rounds", paramLabel = "R", defaultValue = "2",
                description = "Rounds of the latency runs (default ${DEFAULT-VALUE}).")
        int latencyRounds;

        @Option(names = "--spring", description = "latency: Spring for Apache Pulsar joins as a contender.")
        boolean spring;

        @Option(names = "--batch-index-ack", description = "latency: the raw client with batch-index "
                + "acknowledgement joins as a contender.")
        boolean batchIndexAck;

        @Option(names = "--reports", paramLabel = "N", defaultValue = "5000",
                description = "pipeline: reports per run (default ${DEFAULT-VALUE}).")
        int reports;

        @Option(names = "--batch-sizes", paramLabel = "N,N", split = ",", defaultValue = "1,20,500",
                description = "pipeline: saver batch sizes to compare (default ${DEFAULT-VALUE}).")
        List<Integer> batchSizes;

        @Option(names = "--wrk-seconds", paramLabel = "S", defaultValue = "20",
                description = "gateway: each wrk run, after a warm-up as long (default ${DEFAULT-VALUE}; 0 runs the "
                        + "fixed rate alone).")
        int wrkSeconds;

        @Option(names = "--rate", paramLabel = "R", defaultValue = "5000",
                description = "gateway: reports per second of the fixed-rate run (default ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--rate-seconds", paramLabel = "S", defaultValue = "20",
                description = "gateway: length of the fixed-rate run (default ${DEFAULT-VALUE}).")
        int rateSeconds;

        @Option(names = "--codec", paramLabel = "json|proto", defaultValue = "json",
                description = "gateway: the codec between gateway and saver (default ${DEFAULT-VALUE}).")
        String codec;

        @Option(names = "--savers", paramLabel = "N", defaultValue = "1",
                description = "gateway: saver instances (default ${DEFAULT-VALUE}).")
        int savers;

        @Override
        public Integer call() throws Exception {
            if (rounds < 1 || latencySeconds < 1 || latencyRounds < 1 || (messages != null && messages < 1)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--messages, --rounds, "
                        + "--latency-seconds and --latency-rounds must be at least 1");
            }
            int big = messages != null ? messages : 1_000_000;
            int small = messages != null ? messages : 200_000;
            switch (mode) {
                case ALL -> new BenchMain().all(big, rounds, latencySeconds, latencyRounds);
                case THROUGHPUT -> new BenchMain().throughput(small, rounds, false);
                case SPRING -> new BenchMain().throughput(small, rounds, true);
                case LATENCY -> new LatencyBench(batchIndexAck).run(latencySeconds, latencyRounds,
                        spring ? SpringContender.locate() : null);
                case MEMORY -> new BenchMain().memoryOnly(big, rounds);
                case ALLOC -> AllocationBench.run(small, rounds);
                case KAFKA -> KafkaBench.run(small, rounds);
                case RABBITMQ -> RabbitBench.run(small, rounds);
                case NATS -> NatsBench.run(small, rounds);
                case OUTBOX -> OutboxBench.run(small, rounds);
                case PIPELINE -> {
                    if (reports < 100 || batchSizes.stream().anyMatch(b -> b < 1 || b > 2_000)) {
                        throw new CommandLine.ParameterException(new CommandLine(this), "--reports must be at least 100 "
                                + "and each batch size 1 to 2000");
                    }
                    PipelineBench.run(reports, batchSizes, rounds);
                }
                case GATEWAY -> {
                    if (wrkSeconds < 0 || rate < 1 || rateSeconds < 1 || savers < 1 || savers > 16
                            || !(codec.equals("json") || codec.equals("proto"))) {
                        throw new CommandLine.ParameterException(new CommandLine(this), "--wrk-seconds must be 0 or "
                                + "more, --rate and --rate-seconds at least 1, --savers 1 to 16, --codec json or proto");
                    }
                    GatewayBench.run(wrkSeconds, rate, rateSeconds, codec, savers);
                }
                default -> throw new IllegalStateException("unknown mode " + mode);
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    void all(int n, int rounds, int latencySeconds, int latencyRounds) throws Exception {
        long began = System.nanoTime();
        SpringContender spring = SpringContender.locate();
        String setUp = String.format("%d cores, Java %s, Pulsar %s (embedded standalone), %s", Runtime.getRuntime()
                .availableProcessors(), System.getProperty("java.version"), EmbeddedPulsar.version(), LocalDate.now());
        System.out.printf("Courier benchmarks: %,d messages per throughput run (1 KiB runs: %,d), %d rounds; latency %d s "
                + "per run, %d rounds; %s%n", n, n / 4, rounds, latencySeconds, latencyRounds, setUp);
        memory(n, rounds);
        LatencyBench latency = new LatencyBench(false);
        String latencyTable;
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = open(pulsar);
             Broker bare = openWithoutContentType(pulsar)) {
            pulsarRounds(pulsar, raw, courier, bare, n, rounds, spring);
            latencyTable = latency.runOn(pulsar, raw, courier, latencySeconds, latencyRounds, spring);
        }
        writeMemory(n, rounds, setUp);
        String runs = String.format("%,d messages per run (1 KiB: %,d), %d rounds", n, n / 4, rounds);
        Fragments.section("pulsar", runs + "; " + setUp + ".\n\n" + results.table(name -> !isMemory(name)));
        Fragments.figures("pulsar", List.of(
                Fragments.row("Pulsar publish 100 B, Courier / raw client", "**" + results.ratioSummary(PUB_COURIER, PUB_RAW)
                        + "**", "bytes codec with its content-type header; " + runs),
                Fragments.row("Pulsar publish 100 B, Courier without content-type / raw client",
                        results.ratioSummary(PUB_COURIER_BARE, PUB_RAW), "the raw client's messages, property for property"),
                Fragments.row("Pulsar publish 1 KiB, Courier / raw client", results.ratioSummary(PUB_COURIER_1K, PUB_RAW_1K),
                        "as above"),
                Fragments.row("Pulsar consume, Courier concurrency 1 / best raw loop",
                        "**" + results.ratioSummary(CON_C1, CON_RAW_BEST) + "**", "bytes, acknowledging each message"),
                Fragments.row("Pulsar publish, Courier / Spring PulsarTemplate", results.ratioSummary(PUB_COURIER, PUB_SPRING)
                        + " Boot defaults; " + results.ratioSummary(PUB_COURIER, PUB_SPRING_MATCHED) + " matched",
                        "matched: Courier's batching, a 4 GiB pre-touched heap, warmed"),
                Fragments.row("Pulsar consume, Courier / Spring @PulsarListener", results.ratioSummary(CON_C1, CON_SPRING)
                        + " Boot defaults; " + results.ratioSummary(CON_C1, CON_SPRING_MATCHED) + " matched", "as above")));
        Fragments.section("latency", String.format("%d s per run after 10 s unrecorded, %d rounds; %s.%n%n", latencySeconds,
                latencyRounds, setUp) + latencyTable);
        Fragments.figures("latency", List.of(Fragments.row("Pulsar end to end at 5,000 msg/s, p99: Courier / raw client",
                latency.p99Summary(5_000, "Courier") + " / " + latency.p99Summary(5_000, "raw client"),
                "fixed rate, scheduled send time to handler, " + latencySeconds + " s runs")));
        System.out.printf("%nTotal time: %.1f min%n", (System.nanoTime() - began) / 60e9);
    }

    private static boolean isMemory(String name) {
        return name.contains(QUEUE) || name.contains(MEMORY);
    }

    private void writeMemory(int n, int rounds, String setUp) {
        Fragments.section("memory", String.format("%,d messages per run, %d rounds; %s.%n%n", n, rounds, setUp)
                + results.table(BenchMain::isMemory));
        Fragments.figures("memory", List.of(Fragments.row("`memory://` through a `MessageServer`",
                results.summary(MEMORY, "%,.0f") + " msg/s (" + results.ratioSummary(MEMORY, QUEUE) + " × an "
                        + "`ArrayBlockingQueue` hand-off)", "bytes, one handler, the same JVM; " + Runtime.getRuntime()
                        .availableProcessors() + " cores")));
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
    private static final String PUB_SPRING = "publish 100 B: Spring PulsarTemplate, Boot defaults (fresh 1 GiB JVM)";
    private static final String PUB_SPRING_MATCHED = "publish 100 B: Spring PulsarTemplate, matched (Courier's batching, "
            + "4 GiB pre-touched, warmed)";
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
    private static final String CON_SPRING = "consume backlog: Spring @PulsarListener, Boot defaults (fresh 1 GiB JVM)";
    private static final String CON_SPRING_MATCHED = "consume backlog: Spring @PulsarListener, matched (4 GiB "
            + "pre-touched, warmed)";

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
        String warm = publishTopic(raw);
        publishRaw(raw, publishTopic(raw), n, PAYLOAD);
        publishCourier(courier, warm, n, PAYLOAD, false);
        publishCourier(bare, publishTopic(raw), n, PAYLOAD, false);
        consumeRaw(raw, warm, "a", n);
        consumeCourier(courier, warm, "b", n, 1, byte[].class);
        stopServers();
        for (int r = 1; r <= rounds; r++) {
            int round = r;
            // Every publish run writes to a fresh topic set up alike (publishTopic). Every consumer of a payload kind
            // then reads the same backlog through its own subscription: identical data for each. The consumed
            // backlogs are Courier's publishes, so every message carries its content-type property.
            String bytesTopic = publishTopic(raw);
            String jsonTopic = publishTopic(raw);
            String springTopic = publishTopic(raw);
            String springMatchedTopic = publishTopic(raw);
            // the Spring runs' warm-up topics, kept for the consume runs' warm-up listener (subscription "bench")
            createSubscriptions(raw, springTopic + "-warm", "bench");
            createSubscriptions(raw, springMatchedTopic + "-warm", "bench");
            List<Step> publishes = new ArrayList<>(List.of(
                    () -> results.measured(PUB_RAW, round, n, () -> publishRaw(raw, publishTopic(raw), n, PAYLOAD)),
                    () -> results.measured(PUB_RAW_PROPERTY, round, n, () -> publishRaw(raw, publishTopic(raw), n, PAYLOAD, true)),
                    () -> results.measured(PUB_COURIER, round, n, () -> publishCourier(courier, bytesTopic, n, PAYLOAD, false)),
                    () -> results.measured(PUB_COURIER_BARE, round, n, () -> publishCourier(bare, publishTopic(raw), n, PAYLOAD, false)),
                    () -> results.measured(PUB_JSON, round, n, () -> publishCourier(courier, jsonTopic, n, null, true)),
                    () -> results.record(PUB_RAW_1K, round, publishRaw(raw, publishTopic(raw), small, PAYLOAD_1K)),
                    () -> results.record(PUB_COURIER_1K, round, publishCourier(courier, publishTopic(raw), small,
                            PAYLOAD_1K, false))));
            if (spring != null) {
                publishes.add(() -> results.record(PUB_SPRING, round,
                        spring.run("publish", pulsar.serviceUrl(), springTopic, n, small, false)));
                publishes.add(() -> results.record(PUB_SPRING_MATCHED, round,
                        spring.run("publish", pulsar.serviceUrl(), springMatchedTopic, n, n, true)));
            }
            List<Step> consumes = new ArrayList<>(List.of(
                    () -> results.measured(CON_RAW, round, n, () -> consumeRaw(raw, bytesTopic, "a", n)),
                    () -> results.measured(CON_RAW_BATCH, round, n, () -> consumeRawBatches(raw, bytesTopic, "b", n)),
                    () -> results.measured(CON_RAW_LISTENER, round, n, () -> consumeRawListener(raw, bytesTopic, "c", n)),
                    () -> results.measured(CON_C1, round, n, () -> consumeCourier(courier, bytesTopic, "d", n, 1, byte[].class)),
                    () -> results.measured(CON_C8, round, n, () -> consumeCourier(courier, bytesTopic, "e", n, 8, byte[].class)),
                    () -> results.measured(CON_JSON_C1, round, n, () -> consumeCourier(courier, jsonTopic, "a", n, 1, Click.class)),
                    () -> results.measured(CON_JSON_C8, round, n, () -> consumeCourier(courier, jsonTopic, "b", n, 8, Click.class))));
            if (spring != null) {
                consumes.add(() -> results.record(CON_SPRING, round,
                        spring.run("consume", pulsar.serviceUrl(), springTopic, n, small, false)));
                consumes.add(() -> results.record(CON_SPRING_MATCHED, round,
                        spring.run("consume", pulsar.serviceUrl(), springMatchedTopic, n, n, true)));
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
                results.ratio(round, PUB_COURIER, PUB_SPRING_MATCHED);
                results.ratio(round, CON_C1, CON_SPRING);
                results.ratio(round, CON_C1, CON_SPRING_MATCHED);
                results.ratio(round, PUB_SPRING_MATCHED, PUB_RAW);
                results.ratio(round, CON_SPRING_MATCHED, CON_RAW);
            }
        }
    }

    private static String topic() {
        return "bench-" + UUID.randomUUID();
    }

    /**
     * The durable subscriptions of every topic a publish run writes to, made before it publishes: each publish
     * contender meets the same topic (the broker keeps what is published for five cursors), and the consume runs read
     * the backlogs through them. A topic without subscriptions would let the broker drop what it is sent, and one with
     * fewer cursors costs the broker less: a ratio of such runs compares set-ups, not clients.
     */
    static final List<String> SUBSCRIPTIONS = List.of("a", "b", "c", "d", "e");

    /** A fresh topic with the {@link #SUBSCRIPTIONS} every publish run gets. */
    private static String publishTopic(PulsarClient raw) throws Exception {
        String t = topic();
        createSubscriptions(raw, t, SUBSCRIPTIONS.toArray(String[]::new));
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

    void memoryOnly(int n, int rounds) throws InterruptedException {
        memory(n, rounds);
        writeMemory(n, rounds, String.format("%d cores, Java %s, %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), LocalDate.now()));
        System.out.println(results.table(BenchMain::isMemory));
    }

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
