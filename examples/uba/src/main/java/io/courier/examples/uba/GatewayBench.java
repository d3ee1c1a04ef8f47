package io.courier.examples.uba;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The gateway under load from generators nobody here wrote nor tuned for it: {@code wrk} (Debian's package) with
 * {@code examples/uba/wrk/report.lua} at 64 and 256 connections, one report per request and then 100,
 * then a fixed-rate run (an open model: each request is sent at its planned time whether or not earlier ones were
 * answered, and its latency counts from that time, so a stall is not hidden by coordinated omission). The whole
 * pipeline runs: embedded Pulsar, gateway, saver on PostgreSQL ({@code 127.0.0.1:5432/test}); every run ends when
 * every accepted report is a row, and reports per second count rows, not answers.
 *
 * <p>Arguments: {@code [seconds per wrk run (20; 0 runs the fixed rate alone)] [fixed rate per second (5000)] [fixed-rate seconds (20)] [codec json|proto (json)] [saver instances (1)]}.
 */
public final class GatewayBench {
    static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    /** Seconds the fixed-rate client warms its own code before the measured window (see {@link #fixedRate}). */
    private static final int CLIENT_WARMUP_SECONDS = 10;
    private static final Pattern REQUESTS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern ANSWERS = Pattern.compile("answers: 200 (\\d+), 400 (\\d+), 503 (\\d+), other (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    private GatewayBench() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int rateSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String codec = args.length > 3 ? args[3] : "json";
        int savers = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        Path scripts = wrkScripts();
        String wrk = wrkVersion();
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", "postgres", "UBA_DATA_DATABASE_PASSWORD", "",
                        "UBA_DATA_PULSAR_CODEC", codec))
                .with(null, POSTGRES, "127.0.0.1:0");
        System.out.printf("gateway benchmark: %s, %d s per run, fixed rate %,d reports/s for %d s, codec %s, %d saver instance(s), PostgreSQL, %d cores, Java %s%n",
                wrk, seconds, rate, rateSeconds, codec, savers, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        List<String> rows = new ArrayList<>();
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().throughput(true).heap("1g").build().start();
             Database database = Database.open(config.data().database());
             UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), database).saverInstances(savers)) {
            services.startSaver();
            services.startGateway();
            String url = services.gatewayUri().toString();
            truncate(database);
            if (seconds > 0) {
                wrk(services, scripts.resolve("report.lua"), 64, seconds, url, 1);   // warm-up (C2 compiles the hot paths), not recorded
                wrk(services, scripts.resolve("report.lua"), 16, Math.max(5, seconds / 2), url, 100);
                for (int connections : new int[] {64, 256}) {
                    rows.add(wrk(services, scripts.resolve("report.lua"), connections, seconds, url, 1)
                            .row("one report per request, wrk " + connections + " connections"));
                }
                rows.add(wrk(services, scripts.resolve("report.lua"), 64, seconds, url, 100)
                        .row("batch of 100 per request, wrk 64 connections"));
            }
            rows.add(fixedRate(services, rate, rateSeconds));
        }
        System.out.println();
        System.out.println("| load | reports/s stored | HTTP requests/s | HTTP p50 ms | HTTP p99 ms | accept -> row p99 ms | answers |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /** The folder of the wrk scripts, from the module's directory (where exec:java runs) or the repository's. */
    static Path wrkScripts() {
        Path scripts = Path.of("wrk").toAbsolutePath();
        return Files.isRegularFile(scripts.resolve("report.lua")) ? scripts : Path.of("examples/uba/wrk").toAbsolutePath();
    }

    record Run(double storedPerSecond, double requestsPerSecond, double p50Ms, double p99Ms, double rowP99Ms, String answers) {
        String row(String load) {
            return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.1f | %.1f | %.1f | %s |", load, storedPerSecond,
                    requestsPerSecond, p50Ms, p99Ms, rowP99Ms, answers);
        }
    }

    static Run wrk(UbaServices services, Path script, int connections, int seconds, String url, int perRequest)
            throws IOException, InterruptedException, SQLException {
        truncate(services.database());
        long acceptedBefore = services.gateway().accepted();
        long begin = System.nanoTime();
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), url));
        if (perRequest > 1) {
            command.addAll(List.of("--", Integer.toString(perRequest)));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + out);
        }
        long accepted = settledAccepted(services) - acceptedBefore;
        double elapsed = awaitRows(services, accepted, begin);
        Matcher answers = ANSWERS.matcher(out);
        Matcher requests = REQUESTS.matcher(out);
        if (!answers.find() || !requests.find()) {
            throw new IllegalStateException("cannot read wrk's output: " + out);
        }
        long failed = Long.parseLong(answers.group(2)) + Long.parseLong(answers.group(3)) + Long.parseLong(answers.group(4));
        double p50 = 0;
        double p99 = 0;
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000.0;
                default -> 1.0;
            };
            if (m.group(1).equals("50")) {
                p50 = v;
            } else {
                p99 = v;
            }
        }
        Run run = new Run(accepted / elapsed, Double.parseDouble(requests.group(1)), p50, p99, rowP99(services),
                answers.group(0).substring("answers: ".length()) + (perRequest > 1 ? " (requests)" : ""));
        System.out.printf(Locale.ROOT, "wrk %s, %d per request, %d connections: %,.0f requests/s, %,d reports stored in %.1f s (%,.0f/s), "
                        + "%d requests not answered 200, HTTP p99 %.1f ms, accept -> row p99 %.1f ms%n",
                script.getFileName(), perRequest, connections, run.requestsPerSecond, accepted, elapsed, run.storedPerSecond, failed,
                run.p99Ms, run.rowP99Ms);
        return run;
    }

    /**
     * Sends {@code rate} reports per second at planned times for {@code seconds} over up to 64 kept-alive connections
     * (Jetty's HTTP client; requests beyond them queue in the client, and their wait counts); latency from the planned
     * time. The client runs in this JVM beside the gateway, and its own code starts cold: the first seconds of a cold
     * client at 5,000/s built a queue that took 14 s of a 20 s window to drain and set the window's p99. So the client
     * is first warmed for {@value #CLIENT_WARMUP_SECONDS} s at a fifth of the rate (printed, not in the table); the
     * measured window's HTTP percentiles and its accept -> row p99 (rows received in the window) make the row, and its
     * worst latency per second is printed so a stall shows where it happened.
     */
    private static String fixedRate(UbaServices services, int rate, int seconds) throws Exception {
        org.eclipse.jetty.client.HttpClient http = new org.eclipse.jetty.client.HttpClient();
        http.setMaxConnectionsPerDestination(64);
        http.setMaxRequestsQueuedPerDestination(rate * seconds);
        http.setConnectTimeout(5_000);
        http.start();
        try {
            URI uri = services.gatewayUri().resolve("/agent/v1/report");
            truncate(services.database());
            long beforeWarmup = services.gateway().accepted();
            Paced warmup = Paced.run(http, uri, Math.max(1, rate / 5), CLIENT_WARMUP_SECONDS);
            awaitRows(services, settledAccepted(services) - beforeWarmup, System.nanoTime());
            truncate(services.database());
            long acceptedBefore = services.gateway().accepted();
            long start = System.nanoTime();
            long measuredFromUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
            Paced measured = Paced.run(http, uri, rate, seconds);
            long accepted = settledAccepted(services) - acceptedBefore;
            double elapsed = awaitRows(services, accepted, start);
            double p50 = measured.latency.getValueAtPercentile(50) / 1e6;
            double p99 = measured.latency.getValueAtPercentile(99) / 1e6;
            double rowP99 = rowP99(services, measuredFromUs);
            System.out.printf(Locale.ROOT, "fixed rate: client warm-up %,d/s for %d s (HTTP p99 %.1f ms, %,d not 200); %,d/s for %d s: %,d answered 200, "
                            + "%,d not; HTTP (from planned send) p50 %.1f ms, p99 %.1f ms, max %.1f ms; accept -> row p99 %.1f ms%n",
                    Math.max(1, rate / 5), CLIENT_WARMUP_SECONDS, warmup.latency.getValueAtPercentile(99) / 1e6, warmup.failed,
                    rate, seconds, measured.ok, measured.failed, p50, p99, measured.latency.getMaxValue() / 1e6, rowP99);
            System.out.println("worst HTTP latency per second, ms: " + java.util.Arrays.stream(measured.worstPerSecond)
                    .mapToObj(n -> Long.toString(n / 1_000_000)).collect(java.util.stream.Collectors.joining(" ")));
            return new Run(accepted / elapsed, measured.ok / (double) seconds, p50, p99, rowP99,
                    "200 " + measured.ok + ", other " + measured.failed).row("fixed rate " + String.format(Locale.ROOT, "%,d", rate)
                    + "/s, one report per request");
        } finally {
            http.stop();
        }
    }

    /** One open-model run: latencies from each request's planned time, the worst per second, the answers counted. */
    private record Paced(Histogram latency, long[] worstPerSecond, long ok, long failed) {
        static Paced run(org.eclipse.jetty.client.HttpClient http, URI uri, int rate, int seconds) throws InterruptedException {
            Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long[] worst = new long[seconds];
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            int total = rate * seconds;
            java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(total);
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long planned = start + i * interval;
                int second = i / rate;
                long wait;
                while ((wait = planned - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                http.newRequest(uri).method("POST").timeout(30, TimeUnit.SECONDS)
                        .body(new org.eclipse.jetty.client.StringRequestContent("application/json", UbaMain.report(i)))
                        .send(result -> {
                            long nanos = Math.min(System.nanoTime() - planned, latency.getHighestTrackableValue());
                            synchronized (worst) {
                                latency.recordValue(nanos);
                                worst[second] = Math.max(worst[second], nanos);
                            }
                            (result.isSucceeded() && result.getResponse().getStatus() == 200 ? ok : failed).incrementAndGet();
                            answered.countDown();
                        });
            }
            if (!answered.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException(answered.getCount() + " requests of the fixed-rate run were never answered");
            }
            return new Paced(latency, worst, ok.get(), failed.get());
        }
    }

    /** Accepted reports once the requests wrk left behind when it stopped have been answered too. */
    private static long settledAccepted(UbaServices services) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        long now;
        while ((now = services.gateway().accepted()) != last || services.gateway().inFlight() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the gateway still has " + services.gateway().inFlight() + " reports in flight");
            }
            last = now;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        return now;
    }

    /** Waits until {@code accepted} rows are stored; the seconds from {@code beginNanos} to the last row. */
    private static double awaitRows(UbaServices services, long accepted, long beginNanos) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        long rows;
        while ((rows = services.database().storedRows()) < accepted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + rows + " of " + accepted + " accepted reports were stored");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (rows != accepted) {
            throw new IllegalStateException(rows + " rows stored for " + accepted + " accepted reports");
        }
        return (System.nanoTime() - beginNanos) / 1e9;
    }

    private static double rowP99(UbaServices services) {
        return rowP99(services, Long.MIN_VALUE);
    }

    /** The 99th percentile of accept -> row over the rows received at or after {@code receivedFromUs} (epoch µs). */
    private static double rowP99(UbaServices services, long receivedFromUs) {
        List<Long> lat = services.database().latenciesMicros(receivedFromUs);
        return lat.isEmpty() ? Double.NaN : lat.get((int) Math.min(lat.size() - 1, Math.ceil(0.99 * lat.size()) - 1)) / 1000.0;
    }

    private static void truncate(Database database) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE realtime_warehousing, acceptance_status");
        }
    }

    private static String wrkVersion() throws IOException, InterruptedException {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("wrk").replaceAll("\\s+\\[.*", "").trim();
        } catch (IOException e) {
            throw new IOException("wrk is not installed (Debian: apt-get install wrk): " + e.getMessage(), e);
        }
    }
}
