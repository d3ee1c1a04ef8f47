package io.courier.bench;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Request/reply on NATS at a fixed rate: Courier's {@code request} / {@code respond} against the raw client's
 * {@code requestWithTimeout} answered by a queue-group subscription, on the same server, in alternating runs. Each
 * side has its requester and its responder on connections of their own; the responder returns the 100-byte request
 * as the reply. Latency runs from the time a request was due on the schedule (not when it was sent, so that a stall
 * of the sender counts) to the reply's arrival; every request must be answered. Courier's responder answers on a
 * thread of its own (concurrency 1), the raw one on the client's dispatcher thread.
 */
final class NatsRequestBench {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private NatsRequestBench() {
    }

    /** The markdown table and the figure row of one benchmark. */
    record Outcome(String table, String figure) {
    }

    /** Runs {@code rounds} pairs of runs, printing each. */
    static Outcome run(String url, int rate, int seconds, int rounds) throws Exception {
        List<double[]> raw = new ArrayList<>();
        List<double[]> courier = new ArrayList<>();
        BrokerOptions bare = BrokerOptions.builder().defaultCodec("bytes").omitDefaultContentType(true).build();
        try (Connection rawRequester = Nats.connect(new Options.Builder().server(url).build());
             Connection rawResponder = Nats.connect(new Options.Builder().server(url).build());
             Broker requester = Brokers.open(url, bare);
             Broker responder = Brokers.open(url, bare)) {
            rawRun(rawRequester, rawResponder, rate, 2);   // unrecorded: class loading and JIT outside the runs
            courierRun(requester, responder, rate, 2);
            for (int r = 1; r <= rounds; r++) {
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == (r % 2 == 1)) {
                        raw.add(percentiles(rawRun(rawRequester, rawResponder, rate, seconds)));
                    } else {
                        courier.add(percentiles(courierRun(requester, responder, rate, seconds)));
                    }
                }
                System.out.printf(Locale.ROOT, "request/reply round %d at %,d/s: raw p50 %.2f ms p99 %.2f ms; "
                                + "Courier p50 %.2f ms p99 %.2f ms%n", r, rate, raw.get(r - 1)[0], raw.get(r - 1)[1],
                        courier.get(r - 1)[0], courier.get(r - 1)[1]);
            }
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%nRequest/reply at a fixed %,d requests/s for %d s per run, %d runs per "
                + "side, 100 B requests and replies; latency from the request's time on the schedule to its reply; "
                + "medians of the runs' percentiles.%n%n", rate, seconds, rounds));
        t.append("| request/reply | p50 ms | p99 ms | p99.9 ms |\n|---|---|---|---|\n");
        t.append(row("raw jnats (`requestWithTimeout`, queue-group responder)", raw));
        t.append(row("Courier (`request` / `respond`, concurrency 1)", courier));
        String figure = Fragments.row(String.format(Locale.ROOT, "NATS request/reply at %,d/s, p99: Courier / raw jnats",
                rate), String.format(Locale.ROOT, "%.2f ms / %.2f ms", median(courier, 1), median(raw, 1)),
                "fixed schedule, from the request's due time to its reply, " + seconds + " s runs");
        return new Outcome(t.toString(), figure);
    }

    private static String row(String name, List<double[]> runs) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", name, median(runs, 0), median(runs, 1),
                median(runs, 2));
    }

    static double median(List<double[]> runs, int index) {
        List<Double> values = new ArrayList<>();
        for (double[] r : runs) {
            values.add(r[index]);
        }
        return Results.median(values);
    }

    private static long[] rawRun(Connection requester, Connection responder, int rate, int seconds) throws Exception {
        String subject = "bench.rr." + UUID.randomUUID().toString().substring(0, 8);
        Dispatcher d = responder.createDispatcher();
        d.subscribe(subject, "bench", m -> responder.publish(m.getReplyTo(), m.getData()));
        responder.flush(TIMEOUT);
        try {
            return paced(rate, seconds, payload -> requester.requestWithTimeout(subject, payload, TIMEOUT)
                    .thenApply(m -> null));
        } finally {
            responder.closeDispatcher(d);
        }
    }

    private static long[] courierRun(Broker requester, Broker responder, int rate, int seconds) throws Exception {
        String topic = "bench-rr-" + UUID.randomUUID().toString().substring(0, 8);
        Subscription s = responder.respond(SubscribeOptions.builder(topic, "bench").build(), byte[].class,
                m -> m.payload());
        try {
            return paced(rate, seconds, payload -> requester.requestAsync(Envelope.builder(topic, payload)
                    .codec("bytes").build(), byte[].class, TIMEOUT).thenApply(reply -> null));
        } finally {
            s.close(Duration.ofSeconds(10));
        }
    }

    /** Latencies in microseconds of {@code rate * seconds} requests made on a fixed schedule. */
    private static long[] paced(int rate, int seconds, java.util.function.Function<byte[], CompletableFuture<Void>> send)
            throws Exception {
        int n = rate * seconds;
        long[] micros = new long[n];
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        FixedRate.run(rate, n, (index, due) -> all.add(send.apply(new byte[100]).whenComplete((ok, e) -> {
            micros[index] = (System.nanoTime() - due) / 1_000;
            if (e != null) {
                failed.incrementAndGet();
            }
        })));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                .get(TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + n + " requests got no reply");
        }
        return micros;
    }

    private static double[] percentiles(long[] micros) {
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (long m : micros) {
            h.recordValue(Math.max(0, Math.min(m, h.getHighestTrackableValue())));
        }
        return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0};
    }
}
