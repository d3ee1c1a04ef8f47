package io.courier.examples.uba;

import io.courier.ConfigurationException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The main job: starts an embedded Pulsar (or Kafka with {@code --broker kafka}, or uses {@code --broker-url}), the
 * saver and the report gateway, sends N
 * synthetic reports over real HTTP, waits until all N rows are in the database and prints a summary.
 *
 * <pre>
 * options: --reports N (10000)  --concurrency C (16)  --batch N (100 reports per request; 1: one per request)  --broker pulsar|kafka|memory  --broker-url URL (--pulsar-url)
 *          --savers N (1: saver instances sharing the subscription)  --database-url JDBC  --http-addr HOST:PORT
 *          --config FILE  --serve (keep running for curl until Ctrl-C)
 *          --otlp-endpoint http://collector:4318 (traces and metrics over OTLP/HTTP)  --metrics-port N (Prometheus)
 * </pre>
 */
public final class UbaMain {

    /** What a run measured. */
    public record Summary(int sent, long accepted, long rejected, long stored, long duplicatesSuppressed,
                          double seconds, double perSecond, double p50Ms, double p99Ms, List<String> failureSamples) {
        void print(PrintStream out) {
            out.printf("%nsent %d, accepted %d, rejected %d, stored %d, duplicates suppressed %d%n", sent, accepted,
                    rejected, stored, duplicatesSuppressed);
            out.printf("%.2f s, %.0f reports/s end to end; HTTP accept -> row stored: p50 %.1f ms, p99 %.1f ms%n",
                    seconds, perSecond, p50Ms, p99Ms);
            failureSamples.forEach(f -> out.println("failed request: " + f));
        }
    }

    /** Runs the main job; a bad option or setting is one line on standard error and exit code 2, not a stack trace. */
    public static void main(String[] args) throws Exception {
        try {
            runMain(args);
        } catch (ConfigurationException e) {
            System.err.println("error: " + e.getMessage() + " (./run.sh --help lists the options)");
            System.exit(2);
        } catch (io.courier.CourierException e) {
            // a broker or database that cannot be reached: one line, not a stack trace
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new ConfigurationException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(option + " takes a whole number, got '" + value + "'");
        }
    }

    private static void runMain(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        int reports = 10_000;
        int concurrency = 16;
        int batch = 100;
        int savers = 1;
        String pulsarUrl = null;
        String databaseUrl = null;
        String httpAddr = null;
        Path configFile = null;
        boolean serve = false;
        String otlpEndpoint = null;
        int metricsPort = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reports" -> reports = number("--reports", value(args, ++i));
                case "--concurrency" -> concurrency = number("--concurrency", value(args, ++i));
                case "--batch" -> batch = number("--batch", value(args, ++i));
                case "--savers" -> savers = number("--savers", value(args, ++i));
                case "--pulsar-url", "--broker-url" -> pulsarUrl = value(args, ++i);
                case "--broker" -> pulsarUrl = switch (value(args, ++i)) {
                    case "pulsar" -> UbaConfig.EMBEDDED_PULSAR;
                    case "kafka" -> UbaConfig.EMBEDDED_KAFKA;
                    case "memory" -> "memory://uba";
                    default -> throw new ConfigurationException("--broker must be pulsar, kafka or memory (an embedded "
                            + "broker started here), got '" + args[i] + "'; use --broker-url URL for a running one");
                };
                case "--database-url" -> databaseUrl = value(args, ++i);
                case "--http-addr" -> httpAddr = value(args, ++i);
                case "--config" -> configFile = Path.of(value(args, ++i));
                case "--serve" -> serve = true;
                case "--otlp-endpoint" -> otlpEndpoint = value(args, ++i);
                case "--metrics-port" -> metricsPort = number("--metrics-port", value(args, ++i));
                default -> throw new ConfigurationException("unknown option " + args[i]
                        + "; options: --reports N --concurrency C --batch N --savers N --broker pulsar|kafka|memory --broker-url URL --database-url JDBC --http-addr HOST:PORT --config FILE --serve --otlp-endpoint URL --metrics-port N");
            }
        }
        if (savers < 1 || savers > 16) {
            throw new ConfigurationException("--savers must be between 1 and 16, got " + savers);
        }
        if (reports < 0 || concurrency < 1 || batch < 1) {
            throw new ConfigurationException("--reports must be 0 or more, --concurrency and --batch 1 or more; got "
                    + reports + ", " + concurrency + ", " + batch);
        }
        UbaConfig config = UbaConfig.load(configFile, System.getenv()).with(pulsarUrl, databaseUrl, httpAddr);
        if (batch > config.server().http().maxBatchReports()) {
            throw new ConfigurationException("--batch " + batch + " is over the gateway's server.http.max_batch_reports ("
                    + config.server().http().maxBatchReports() + ")");
        }
        System.out.println("config: " + config);
        long t0 = System.nanoTime();
        io.opentelemetry.sdk.OpenTelemetrySdk otel = otlpEndpoint != null || metricsPort > 0
                ? Telemetry.create(otlpEndpoint, metricsPort) : null;
        UbaServices services;
        try {
            services = UbaServices.prepare(config);
        } catch (RuntimeException e) {
            if (otel != null) {
                otel.close();
            }
            throw e;
        }
        // Everything is stopped inside the JVM's shutdown path: on Ctrl-C or SIGTERM the JVM runs its shutdown hooks
        // and halts, so cleanup left to the main thread after a hook released it would be cut short (and leave the
        // embedded broker running). The same stop runs when main ends normally.
        Shutdown shutdown = new Shutdown(services, otel);
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown::run, "uba-shutdown"));
        try {
            if (otel != null) {
                services.withTelemetry(otel);
                if (metricsPort > 0) {
                    System.out.println("Prometheus metrics at http://127.0.0.1:" + metricsPort + "/metrics");
                }
            }
            if (services.embeddedBroker() != null) {
                System.out.printf("embedded %s ready in %d ms (%s)%n", services.embeddedBrokerName(),
                        services.embeddedBroker().lastStartupTime().toMillis(), services.brokerUrl());
            }
            services.saverInstances(savers).startSaver();
            services.startGateway();
            System.out.printf("gateway %s/agent/v1/report, saver on %s, database %s (%d ms to start)%n",
                    services.gatewayUri(), services.brokerUrl(), config.data().database().url(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            if (reports > 0) {
                Summary s = run(services, reports, concurrency, batch, System.err);
                s.print(System.out);
                if (s.stored() != reports) {
                    System.out.println("FAILED: stored " + s.stored() + " of " + reports);
                    System.exit(1);
                }
            }
            if (serve) {
                System.out.println("serving; try: curl -s -X POST " + services.gatewayUri()
                        + "/agent/v1/report -d '{\"report_type\":\"event\",\"app_id\":\"demo\",\"event_name\":\"click\",\"content\":\"{}\"}'");
                System.out.println("Ctrl-C (or SIGTERM) stops the gateway, drains the saver and stops the broker");
                new CountDownLatch(1).await();   // the shutdown hook stops everything; the JVM then exits
            }
        } finally {
            shutdown.run();
        }
    }

    /** Stops the services once, from the shutdown hook or from main, whichever comes first; the other waits for it. */
    private static final class Shutdown {
        private final UbaServices services;
        private final io.opentelemetry.sdk.OpenTelemetrySdk otel;
        private boolean done;

        Shutdown(UbaServices services, io.opentelemetry.sdk.OpenTelemetrySdk otel) {
            this.services = services;
            this.otel = otel;
        }

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            // printed, not logged: java.util.logging resets itself in its own shutdown hook, so log lines written
            // during a signal's shutdown may never appear
            String name = services.embeddedBrokerName();
            String embedded = name == null ? null : name.substring(0, name.indexOf(' '));   // Pulsar or Kafka
            System.out.println("stopping: gateway, saver" + (embedded != null ? ", embedded " + embedded : ""));
            try {
                services.stopGateway();
                System.out.println("gateway stopped");
                services.stopSaver(Duration.ofSeconds(10));
                System.out.println("saver stopped");
                services.close();
                if (embedded != null) {
                    System.out.println("embedded " + embedded + " stopped");
                }
            } finally {
                if (otel != null) {
                    otel.close();
                }
            }
            System.out.println("stopped");
        }
    }

    /** {@link #run(UbaServices, int, int, int, PrintStream)} one report per request (the article's endpoint). */
    public static Summary run(UbaServices services, int n, int concurrency, PrintStream progress) throws InterruptedException {
        return run(services, n, concurrency, 1, progress);
    }

    /**
     * Sends {@code n} reports over HTTP with {@code concurrency} connections and waits until all rows are stored. As
     * an analytics SDK does, the client sends {@code batch} reports per request to {@code /agent/v1/reports}; a batch
     * of 1 uses the article's one-report endpoint instead.
     */
    public static Summary run(UbaServices services, int n, int concurrency, int batch, PrintStream progress)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        URI one = services.gatewayUri().resolve("/agent/v1/report");
        URI many = services.gatewayUri().resolve("/agent/v1/reports");
        AtomicInteger next = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        for (int c = 0; c < concurrency; c++) {
            pool.execute(() -> {
                int first;
                while ((first = next.getAndAdd(batch)) < n) {
                    int count = Math.min(batch, n - first);
                    StringBuilder body = new StringBuilder(count * 110).append(batch == 1 ? "" : "[");
                    for (int i = first; i < first + count; i++) {
                        body.append(i == first ? "" : ",").append(report(i));
                    }
                    body.append(batch == 1 ? "" : "]");
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(batch == 1 ? one : many)
                                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.addAndGet(count);
                        } else {
                            failed.addAndGet(count);
                            sample(failures, r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failed.addAndGet(count);
                        sample(failures, e.toString());
                    }
                }
            });
        }
        pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        long stored;
        while (true) {
            stored = services.database().storedRows();
            bar(progress, ok.get() + failed.get(), stored, n);
            if ((stored >= n || pool.isTerminated() && stored >= ok.get()) || System.nanoTime() > deadline) {
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.println();
        List<Long> lat = services.database().latenciesMicros();
        return new Summary(n, ok.get(), failed.get(), stored, services.saver().duplicatesSuppressed(), seconds,
                stored / seconds, percentile(lat, 0.50), percentile(lat, 0.99), List.copyOf(failures));
    }

    /** Synthetic report number {@code i}: one in four a user-status report, fifty apps. */
    static String report(int i) {
        String type = i % 4 == 3 ? "user" : "event";
        return "{\"report_type\":\"" + type + "\",\"app_id\":\"app-" + (i % 50) + "\",\"event_name\":\""
                + (i % 2 == 0 ? "page_view" : "click") + "\",\"content\":\"{\\\"seq\\\":" + i + "}\"}";
    }

    private static void sample(java.util.Queue<String> failures, String what) {
        if (failures.size() < 5) {
            failures.add(what);
        }
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
        return sorted.get(Math.max(0, index)) / 1000.0;
    }

    private static void bar(PrintStream out, long sent, long stored, int n) {
        int width = 40;
        int filled = (int) (width * Math.min(1.0, stored / (double) n));
        out.printf("\r[%s%s] sent %d/%d, stored %d", "#".repeat(filled), ".".repeat(width - filled), sent, n, stored);
        out.flush();
    }

    private UbaMain() {
    }

}
