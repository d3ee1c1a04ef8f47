package io.courier.bench;

import io.courier.examples.uba.Database;
import io.courier.examples.uba.UbaConfig;
import io.courier.examples.uba.UbaMain;
import io.courier.examples.uba.UbaServices;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.io.IOException;
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
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway under load from generators nobody here wrote nor tuned for it: {@code wrk} (Debian's package) with
 * {@code courier-bench/wrk/report.lua} at 64 and 256 connections, one report per request and then 100,
 * then a fixed-rate run ({@code paced.lua}: wrk holding an offered rate on a schedule, printing how far behind it any
 * request was sent, so a stall that made the generator wait is not hidden by coordinated omission). The whole
 * pipeline runs: embedded Pulsar, gateway, saver on PostgreSQL ({@code 127.0.0.1:5432/test}); every run ends when
 * every accepted report is a row, and reports per second count rows, not answers.
 *
 */
final class GatewayBench {
    static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final Pattern REQUESTS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern ANSWERS = Pattern.compile("answers: 200 (\\d+), 400 (\\d+), 503 (\\d+), other (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    private GatewayBench() {
    }

    static void run(int seconds, int rate, int rateSeconds, String codec, int savers) throws Exception {
        PipelineBench.quietLogs();
        Path scripts = wrkScripts();
        String wrk = wrkVersion();
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", "postgres", "UBA_DATA_DATABASE_PASSWORD", "",
                        "UBA_DATA_PULSAR_CODEC", codec))
                .with(null, POSTGRES, "127.0.0.1:0");
        System.out.printf("gateway benchmark: %s, %d s per run, fixed rate %,d reports/s for %d s, codec %s, %d saver instance(s), PostgreSQL, %d cores, Java %s%n",
                wrk, seconds, rate, rateSeconds, codec, savers, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        List<String> rows = new ArrayList<>();
        List<String> figures = new ArrayList<>();
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
                    Run run = wrk(services, scripts.resolve("report.lua"), connections, seconds, url, 1);
                    rows.add(run.row("one report per request, wrk " + connections + " connections"));
                    if (connections == 256) {
                        figures.add(Fragments.row("The example pipeline under wrk, one report per request",
                                String.format(Locale.ROOT, "%,.0f reports/s stored, HTTP p99 %.1f ms", run.storedPerSecond(),
                                        run.p99Ms()), "256 connections, " + seconds + " s after warm-up; gateway, broker, "
                                        + "saver and PostgreSQL on one machine"));
                    }
                }
                Run batch = wrk(services, scripts.resolve("report.lua"), 64, seconds, url, 100);
                rows.add(batch.row("batch of 100 per request, wrk 64 connections"));
                figures.add(Fragments.row("The example pipeline, batches of 100 reports per request",
                        String.format(Locale.ROOT, "%,.0f reports/s stored", batch.storedPerSecond()), "wrk, 64 connections"));
            }
            Run paced = fixedRate(services, scripts, url, rate, rateSeconds);
            rows.add(paced.row("fixed rate " + String.format(Locale.ROOT, "%,d", rate) + "/s, one report per request (wrk, paced)"));
            figures.add(Fragments.row("The example pipeline at a fixed " + String.format(Locale.ROOT, "%,d", rate)
                    + " reports/s: HTTP accept to row committed, p99", String.format(Locale.ROOT, "%.1f ms", paced.rowP99Ms()),
                    "wrk paced, " + rateSeconds + " s, Pulsar"));
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%s; %d s per wrk run after a %d s warm-up, "
                + "fixed rate %,d reports/s for %d s; codec %s, %d saver instance(s), PostgreSQL, embedded Pulsar %s; %d "
                + "cores, Java %s, %s.%n%n", wrk, seconds, seconds, rate, rateSeconds, codec, savers, EmbeddedPulsar.version(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), java.time.LocalDate.now()));
        table.append("| load | reports/s stored | HTTP requests/s | HTTP p50 ms | HTTP p99 ms | accept -> commit p99 ms | answers |\n");
        table.append("|---|---|---|---|---|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        System.out.println();
        System.out.println(table);
        Fragments.section("gateway", table.toString());
        Fragments.figures("gateway", figures);
    }

    /** The folder of the wrk scripts, from the module's directory (where exec:java runs) or the repository's. */
    static Path wrkScripts() {
        Path scripts = Path.of("wrk").toAbsolutePath();
        return Files.isRegularFile(scripts.resolve("report.lua")) ? scripts : Path.of("courier-bench/wrk").toAbsolutePath();
    }

    record Run(double storedPerSecond, double requestsPerSecond, double p50Ms, double p99Ms, double rowP99Ms, String answers) {
        String row(String load) {
            return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.1f | %.1f | %.1f | %s |", load, storedPerSecond,
                    requestsPerSecond, p50Ms, p99Ms, rowP99Ms, answers);
        }
    }

    static Run wrk(UbaServices services, Path script, int connections, int seconds, String url, int perRequest)
            throws IOException, InterruptedException, SQLException {
        return wrk(services, script, connections, seconds, url, perRequest, perRequest > 1 ? List.of(Integer.toString(perRequest)) : List.of());
    }

    private static Run wrk(UbaServices services, Path script, int connections, int seconds, String url, int perRequest,
            List<String> scriptArgs) throws IOException, InterruptedException, SQLException {
        truncate(services.database());
        services.saver().resetLatencies();
        long acceptedBefore = services.gateway().accepted();
        long begin = System.nanoTime();
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), url));
        if (!scriptArgs.isEmpty()) {
            command.add("--");
            command.addAll(scriptArgs);
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
                        + "%d requests not answered 200, HTTP p99 %.1f ms, accept -> commit p99 %.1f ms%n",
                script.getFileName(), perRequest, connections, run.requestsPerSecond, accepted, elapsed, run.storedPerSecond, failed,
                run.p99Ms, run.rowP99Ms);
        out.lines().filter(line -> line.startsWith("schedule lag:")).forEach(line -> System.out.println("  " + line));
        return run;
    }

    /**
     * {@code rate} reports per second for {@code seconds} from wrk with {@code paced.lua} (64 connections, one schedule
     * per wrk thread; see the script): an offered rate held by a generator that costs little CPU, where the open-model
     * client this run used before (Jetty's HTTP client in this JVM) took about half a core at 5,000/s from the gateway it
     * measured. wrk's latency counts from each send; the script prints how far behind schedule requests were sent.
     */
    private static Run fixedRate(UbaServices services, Path scripts, String url, int rate, int seconds)
            throws IOException, InterruptedException, SQLException {
        int threads = 2;
        return wrk(services, scripts.resolve("paced.lua"), 64, seconds, url, 1, List.of(Integer.toString(rate / threads)));
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

    /** HTTP accept to commit, p99, of this run's rows: the saver's histogram, taken after each commit. */
    private static double rowP99(UbaServices services) {
        org.HdrHistogram.Histogram h = services.saver().acceptToCommitMicros();
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
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
