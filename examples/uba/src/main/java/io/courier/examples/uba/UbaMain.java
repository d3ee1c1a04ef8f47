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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The main job: starts an embedded Pulsar (Kafka with {@code --broker kafka}, RabbitMQ with {@code --broker rabbitmq},
 * NATS with {@code --broker nats};
 * or uses {@code --broker-url}), the saver and the report gateway, sends N synthetic reports over real HTTP, waits
 * until all N rows are in the database and prints a summary. {@code ./run.sh} and {@code ./courier demo} run it; {@code --help} lists the options.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The article's pipeline: report gateway (HTTP) -> broker -> saver -> database.",
                "Starts an embedded broker (or uses --broker-url), the saver and the gateway, sends synthetic reports "
                        + "over HTTP, waits until every one is stored and prints a summary."})
public final class UbaMain implements Callable<Integer> {

    /** The embedded brokers {@code --broker} starts. */
    enum EmbeddedBroker {
        PULSAR(UbaConfig.EMBEDDED_PULSAR), KAFKA(UbaConfig.EMBEDDED_KAFKA), RABBITMQ(UbaConfig.EMBEDDED_RABBITMQ),
        NATS(UbaConfig.EMBEDDED_NATS),         MEMORY("memory://uba");

        final String url;

        EmbeddedBroker(String url) {
            this.url = url;
        }
    }

    // 50,000 rather than 10,000: a 10,000-report run lasts about 3 s, most of it the JIT warming up, and printed a
    // third of what the pipeline does once warm
    @Option(names = "--reports", paramLabel = "N", defaultValue = "50000",
            description = "Synthetic reports to send over HTTP (default ${DEFAULT-VALUE}; 0 sends none).")
    int reports;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "16",
            description = "HTTP connections sending them (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100",
            description = "Reports per request to POST /agent/v1/reports, as an analytics SDK sends them (default "
                    + "${DEFAULT-VALUE}; 1 sends each to the article's POST /agent/v1/report).")
    int batch;

    @Option(names = "--savers", paramLabel = "N", defaultValue = "1",
            description = "Saver instances sharing the subscription, as more saver processes would (default ${DEFAULT-VALUE}).")
    int savers;

    @Option(names = "--broker", paramLabel = "pulsar|kafka|rabbitmq|nats|memory",
            description = "The embedded broker to start (default pulsar; rabbitmq needs the rabbitmq-server package, nats "
                    + "the nats-server package).")
    EmbeddedBroker broker;

    @Option(names = {"--broker-url", "--pulsar-url"}, paramLabel = "URL",
            description = "A running broker instead: pulsar://host:6650, kafka://host:9092, amqp://host:5672, "
                    + "nats://host:4222, memory://name.")
    String brokerUrl;

    @Option(names = "--database-url", paramLabel = "JDBC",
            description = "jdbc:postgresql://127.0.0.1:5432/test (user from UBA_DATA_DATABASE_USER); default H2 in memory.")
    String databaseUrl;

    @Option(names = "--http-addr", paramLabel = "HOST:PORT", description = "The gateway's address (default 127.0.0.1:8800).")
    String httpAddr;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML like examples/uba/src/main/resources/uba.yaml.")
    Path configFile;

    @Option(names = "--serve", description = "Keep running for curl until Ctrl-C or SIGTERM.")
    boolean serve;

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = "Traces and metrics over OTLP/HTTP.")
    String otlpEndpoint;

    @Option(names = "--metrics-port", paramLabel = "N", defaultValue = "0", description = "Prometheus metrics on this port.")
    int metricsPort;

    /** What a run measured. */
    /**
     * What a run measured. {@code stored} counts rows; {@code storedOnce}, {@code storedTwice} and {@code missing}
     * count the reports sent by their number ({@link Database#rowsPerReport()}): stored exactly once, in more than one
     * row, in none. {@code duplicatesSuppressed} counts deliveries the saver found already stored (redeliveries).
     */
    public record Summary(int sent, long accepted, long rejected, long stored, long storedOnce, long storedTwice,
                          long missing, long duplicatesSuppressed, double seconds, double perSecond,
                          double secondHalfPerSecond, double p50Ms, double p99Ms, List<String> failureSamples) {
        /** True when every report sent was stored in exactly one row. */
        public boolean eachStoredOnce() {
            return storedOnce == sent && storedTwice == 0 && missing == 0;
        }

        void print(PrintStream out) {
            out.printf("%nsent %d, accepted %d, rejected %d, stored %d rows: %d reports once, %d in more than one row, "
                    + "%d missing (checked report by report); redeliveries the saver found stored: %d%n", sent, accepted,
                    rejected, stored, storedOnce, storedTwice, missing, duplicatesSuppressed);
            out.printf("%.2f s, %.0f reports/s end to end (second half of the rows: %.0f/s, the JVMs warm by then); "
                    + "HTTP accept -> row committed: p50 %.1f ms, p99 %.1f ms%n", seconds, perSecond, secondHalfPerSecond, p50Ms, p99Ms);
            failureSamples.forEach(f -> out.println("failed request: " + f));
        }
    }

    /**
     * Runs the main job. A wrong option or setting is one line on standard error and exit code 2, a broker or database
     * that cannot be reached one line and exit code 1; never a stack trace.
     */
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new UbaMain()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, a) -> {
            cli.getErr().println("error: " + e.getMessage() + " (--help lists the options)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigurationException) {
                commandLine.getErr().println("error: " + e.getMessage() + " (--help lists the options)");
                return 2;
            }
            if (e instanceof io.courier.CourierException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        if (savers < 1 || savers > 16) {
            throw new ConfigurationException("--savers must be between 1 and 16, got " + savers);
        }
        if (reports < 0 || concurrency < 1 || batch < 1) {
            throw new ConfigurationException("--reports must be 0 or more, --concurrency and --batch 1 or more; got "
                    + reports + ", " + concurrency + ", " + batch);
        }
        if (broker != null && brokerUrl != null) {
            throw new ConfigurationException("--broker starts an embedded broker and --broker-url names a running one: give one");
        }
        String url = brokerUrl != null ? brokerUrl : broker != null ? broker.url : null;
        UbaConfig config = UbaConfig.load(configFile, System.getenv()).with(url, databaseUrl, httpAddr);
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
                if (!s.eachStoredOnce()) {
                    System.out.println("FAILED: of " + reports + " reports " + s.storedOnce() + " stored once, "
                            + s.storedTwice() + " in more than one row, " + s.missing() + " missing");
                    return 1;
                }
            }
            if (serve) {
                System.out.println("serving; try: curl -s -X POST " + services.gatewayUri()
                        + "/agent/v1/report -d '{\"report_type\":\"event\",\"app_id\":\"demo\",\"event_name\":\"click\",\"content\":\"{}\"}'");
                System.out.println("Ctrl-C (or SIGTERM) stops the gateway, drains the saver and stops the broker");
                new CountDownLatch(1).await();   // the shutdown hook stops everything; the JVM then exits
            }
            return 0;
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
     * Sends {@code n} reports over HTTP with {@code concurrency} connections and waits until all rows are stored (by
     * a saver of this process or another one; at most 5 minutes). As
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
        if (services.saver() != null) {
            services.saver().resetLatencies();
        }
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
        long halfStoredAt = 0;   // when half the rows were stored, to tell the warm pipeline's rate from the cold start's
        long storedAtHalf = 0;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("stored").setInitialMax(n).setUnit(" reports", 1)
                .setConsumer(new ConsoleProgressBarConsumer(progress)).setUpdateIntervalMillis(200)
                // colours and block characters only on a terminal; plain ASCII into a file or a pipe
                .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .build()) {
            while (true) {
                stored = services.database().storedRows();
                if (halfStoredAt == 0 && stored >= n / 2) {
                    halfStoredAt = System.nanoTime();
                    storedAtHalf = stored;
                }
                bar.stepTo(stored);
                bar.setExtraMessage("sent " + (ok.get() + failed.get()));
                if ((stored >= n || pool.isTerminated() && stored >= ok.get()) || System.nanoTime() > deadline) {
                    break;
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());   // the database is polled, not notified
            }
        }
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        double secondHalf = halfStoredAt == 0 || end == halfStoredAt ? Double.NaN : (stored - storedAtHalf) / ((end - halfStoredAt) / 1e9);
        java.util.Map<Integer, Integer> rows = services.database().rowsPerReport();
        long once = 0;
        long twice = 0;
        for (int i = 0; i < n; i++) {
            int r = rows.getOrDefault(i, 0);
            once += r == 1 ? 1 : 0;
            twice += r > 1 ? 1 : 0;
        }
        double p50;
        double p99;
        if (services.saver() != null) {   // accept to commit, measured by the saver after each commit
            org.HdrHistogram.Histogram h = services.saver().acceptToCommitMicros();
            p50 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0;
            p99 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
        } else {   // a saver of another process: the rows' insert time
            p50 = services.database().latencyPercentileMicros(0.50).orElse(-1) / 1000.0;
            p99 = services.database().latencyPercentileMicros(0.99).orElse(-1) / 1000.0;
        }
        return new Summary(n, ok.get(), failed.get(), stored, once, twice, n - once - twice,
                services.saver() == null ? 0 : services.saver().duplicatesSuppressed(), seconds, stored / seconds, secondHalf,
                p50, p99, List.copyOf(failures));
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

}
