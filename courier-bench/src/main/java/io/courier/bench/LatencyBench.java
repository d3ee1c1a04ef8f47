package io.courier.bench;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.core.MessageServer;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;

/**
 * End-to-end latency at a fixed rate: one thread publishes 100-byte messages on a schedule (5,000 and 20,000 msg/s),
 * each carrying its scheduled send time; a subscriber in the same JVM records now minus that time. The schedule, not
 * the send, is the start, so a stalled publisher shows up as latency (no coordinated omission). Raw client and
 * Courier alternate per rate and round on fresh topics, with the same producer settings.
 *
 * <p>Each contender first runs 10 s unrecorded; with {@code --spring}, Spring for Apache Pulsar
 * ({@code courier-bench-spring}, its own JVM, which warms itself for 10 s in each run) joins as a contender; with
 * {@code --batch-index-ack}, so does the raw client with batch-index acknowledgement, as Courier's consumers
 * acknowledge.
 */
final class LatencyBench {
    private static final int[] RATES = {5_000, 20_000};
    /** The send time a warm-up message carries; it is not recorded. */
    private static final long WARM_UP = Long.MIN_VALUE;
    private final Map<String, List<double[]>> results = new LinkedHashMap<>();
    /** Adds the raw client with batch-index acknowledgement (as Courier's consumers ack) as a contender. */
    private final boolean withBatchIndexAck;


    void run(int seconds, int rounds, SpringContender spring) throws Exception {
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().heap("1g").build().start();
             PulsarClient raw = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
             Broker courier = BenchMain.open(pulsar)) {
            System.out.println();
            System.out.println(runOn(pulsar, raw, courier, seconds, rounds, spring));
        }
    }

    /** Runs every rate and round against a broker already running; returns the table (Markdown) and the ratios. */
    String runOn(EmbeddedPulsar pulsar, PulsarClient raw, Broker courier, int seconds, int rounds, SpringContender spring)
            throws Exception {
        System.out.printf("Courier latency benchmark: %d s per run, rates %s msg/s, %d rounds, %d cores, Java %s%n", seconds,
                Arrays.toString(RATES), rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        // one unrecorded run each first, so that no contender's first round pays for JIT compilation
        raw(raw, RATES[0], 10, false);
        courier(courier, RATES[0], 10);
        for (int round = 1; round <= rounds; round++) {
            for (int rate : RATES) {
                // the order alternates too: A B C in odd rounds, C B A in even ones
                List<String> order = new ArrayList<>(List.of("raw client", "Courier"));
                if (withBatchIndexAck) {
                    order.add(1, RAW_BATCH_INDEX);
                }
                if (spring != null) {
                    order.add("Spring");
                }
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String who : order) {
                    long[] gcBefore = Results.gc();
                    double[] p = switch (who) {
                        case "raw client" -> percentiles(raw(raw, rate, seconds, false));
                        case RAW_BATCH_INDEX -> percentiles(raw(raw, rate, seconds, true));
                        case "Courier" -> percentiles(courier(courier, rate, seconds));
                        default -> spring.latency(pulsar.serviceUrl(), "latency-" + UUID.randomUUID(), rate, seconds);
                    };
                    record(who, rate, round, p);
                    long[] gcAfter = Results.gc();
                    // pauses of this JVM (the raw client's and Courier's, not Spring's): they explain outliers
                    System.out.printf(Locale.ROOT, "          %s: %d collections, %d ms in GC during the run%n", who,
                            gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1]);
                }
            }
        }
        return table();
    }

    /** Latencies in microseconds, in arrival order (where the slow ones fell is printed; percentiles by HdrHistogram). */
    private static final class Sink {
        final long[] micros;
        final AtomicInteger count = new AtomicInteger();

        Sink(int n) {
            micros = new long[n];
        }

        void add(byte[] payload) {
            long sentAt = ByteBuffer.wrap(payload).getLong();
            if (sentAt == WARM_UP) {
                return;
            }
            int i = count.getAndIncrement();
            if (i < micros.length) {
                micros[i] = (System.nanoTime() - sentAt) / 1_000;
            }
        }
    }

    private static final String RAW_BATCH_INDEX = "raw client + batch-index ack";

    private static org.HdrHistogram.Histogram raw(PulsarClient client, int rate, int seconds, boolean batchIndexAck)
            throws Exception {
        String topic = "latency-" + UUID.randomUUID();
        int n = rate * seconds;
        Sink sink = new Sink(n);
        try (Consumer<byte[]> consumer = BenchMain.subscribeRaw(client, topic, "bench", batchIndexAck);
             Producer<byte[]> producer = BenchMain.rawProducer(client, topic)) {
            Thread receiver = new Thread(() -> {
                try {
                    while (sink.count.get() < n) {
                        Message<byte[]> m = consumer.receive(5, TimeUnit.SECONDS);
                        if (m == null) {
                            break;
                        }
                        sink.add(m.getValue());
                        consumer.acknowledgeAsync(m.getMessageId());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "raw-receiver");
            receiver.start();
            paced(rate, n, payload -> producer.sendAsync(payload));
            receiver.join(TimeUnit.SECONDS.toMillis(seconds + 60));
        }
        return done(sink, n);
    }

    private static org.HdrHistogram.Histogram courier(Broker broker, int rate, int seconds) {
        String topic = "latency-" + UUID.randomUUID();
        int n = rate * seconds;
        Sink sink = new Sink(n);
        MessageServer server = MessageServer.builder(broker).build();
        server.register(SubscribeOptions.builder(topic, "bench").initialPosition(InitialPosition.EARLIEST)
                .ordering(Ordering.STRICT).build(), byte[].class, m -> sink.add(m.payload()));
        server.start();
        // Courier makes a topic's producer on its first publish; the raw run makes its producer before the schedule
        // starts, so Courier's is made here too, or its creation would count as the latency of the first messages
        byte[] warmUp = new byte[100];
        ByteBuffer.wrap(warmUp).putLong(WARM_UP);
        broker.publish(Envelope.builder(topic, warmUp).codec("bytes").build());
        paced(rate, n, payload -> broker.publishAsync(Envelope.builder(topic, payload).codec("bytes").build()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sink.count.get() < n && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        server.stop(Duration.ofSeconds(10));
        return done(sink, n);
    }

    private static void paced(int rate, int n, java.util.function.Consumer<byte[]> send) {
        FixedRate.run(rate, n, (i, due) -> {
            byte[] payload = new byte[100];
            ByteBuffer.wrap(payload).putLong(due);
            send.accept(payload);
        });
    }

    private static org.HdrHistogram.Histogram done(Sink sink, int n) {
        if (sink.count.get() < n) {
            throw new IllegalStateException("only " + sink.count.get() + " of " + n + " messages arrived");
        }
        // where in the run the slow messages were: a burst at the start points at set-up, spread ones at the steady state
        long threshold = 50_000;
        int slow = 0;
        int first = -1;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (sink.micros[i] >= threshold) {
                slow++;
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (slow > 0) {
            System.out.printf(Locale.ROOT, "          %,d messages took 50 ms or more, arrivals %,d to %,d of %,d%n", slow, first,
                    last, n);
        }
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (long micros : sink.micros) {
            h.recordValue(Math.max(0, Math.min(micros, h.getHighestTrackableValue())));
        }
        return h;
    }

    private static double[] percentiles(org.HdrHistogram.Histogram h) {
        return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0};
    }

    private void record(String who, int rate, int round, double[] p) {
        results.computeIfAbsent(rate + " msg/s: " + who, k -> new ArrayList<>()).add(p);
        System.out.printf(Locale.ROOT, "round %d  %,6d msg/s  %-10s p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms%n", round, rate,
                who, p[0], p[1], p[2]);
    }


    /** The median p99 over the rounds of {@code who} at {@code rate}, with its range: {@code 3.10 ms (2.90–3.40)}. */
    String p99Summary(int rate, String who) {
        List<Double> p99 = new ArrayList<>();
        for (double[] r : results.get(rate + " msg/s: " + who)) {
            p99.add(r[1]);
        }
        return String.format(Locale.ROOT, "%.2f ms (%.2f–%.2f)", Results.median(p99), Collections.min(p99),
                Collections.max(p99));
    }

    private String table() {
        StringBuilder out = new StringBuilder("| rate: contender | p50 ms (median of rounds) | p99 ms | p99.9 ms | p99 per round |\n|---|---|---|---|---|\n");
        results.forEach((name, rounds) -> {
            double[] medians = new double[3];
            for (int k = 0; k < 3; k++) {
                List<Double> v = new ArrayList<>();
                for (double[] r : rounds) {
                    v.add(r[k]);
                }
                medians[k] = Results.median(v);
            }
            StringBuilder perRound = new StringBuilder();
            for (double[] r : rounds) {
                perRound.append(perRound.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", r[1]));
            }
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s |%n", name, medians[0], medians[1], medians[2], perRound));
        });
        for (int rate : RATES) {
            List<double[]> raw = results.get(rate + " msg/s: raw client");
            List<double[]> courier = results.get(rate + " msg/s: Courier");
            StringBuilder ratios = new StringBuilder();
            for (int i = 0; i < Math.min(raw.size(), courier.size()); i++) {
                ratios.append(ratios.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", courier.get(i)[1] / raw.get(i)[1]));
            }
            out.append(String.format(Locale.ROOT, "%np99 ratio Courier / raw at %,d msg/s, per round: %s%n", rate, ratios));
            List<double[]> spring = results.get(rate + " msg/s: Spring");
            if (spring != null) {
                StringBuilder vsSpring = new StringBuilder();
                for (int i = 0; i < Math.min(spring.size(), courier.size()); i++) {
                    vsSpring.append(vsSpring.length() == 0 ? "" : " / ")
                            .append(String.format(Locale.ROOT, "%.2f", courier.get(i)[1] / spring.get(i)[1]));
                }
                out.append(String.format(Locale.ROOT, "%np99 ratio Courier / Spring at %,d msg/s, per round: %s%n", rate, vsSpring));
            }
        }
        return out.toString();
    }

    LatencyBench(boolean withBatchIndexAck) {
        this.withBatchIndexAck = withBatchIndexAck;
    }
}
