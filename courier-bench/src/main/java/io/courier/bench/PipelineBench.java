package io.courier.bench;

import io.courier.CourierException;
import io.courier.examples.uba.Database;
import io.courier.examples.uba.UbaConfig;
import io.courier.examples.uba.UbaMain;
import io.courier.examples.uba.UbaServices;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.io.OutputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The example pipeline as a benchmark: reports per second from HTTP accept to database row, with the saver's batch
 * size as the parameter, on H2 (in memory) and on PostgreSQL when it answers at {@code 127.0.0.1:5432/test}. One
 * embedded Pulsar serves every run; runs alternate over databases and batch sizes within each round.
 *
 */
final class PipelineBench {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";

    private PipelineBench() {
    }

    static void run(int reports, List<Integer> sizes, int rounds) throws Exception {
        quietLogs();
        List<String> databases = new ArrayList<>(List.of("H2"));
        try (Database probe = Database.open(new UbaConfig.Database(POSTGRES, "postgres", ""))) {
            databases.add("PostgreSQL");
        } catch (CourierException | IllegalStateException | org.flywaydb.core.api.FlywayException e) {
            System.out.println("PostgreSQL at " + POSTGRES + " does not answer; H2 only: " + e.getMessage());
        }
        System.out.printf("pipeline benchmark: %,d reports per run over HTTP (16 clients), saver batch sizes %s, %d rounds, %s, "
                + "%d cores, Java %s%n", reports, sizes, rounds, databases, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Map<String, List<UbaMain.Summary>> results = new LinkedHashMap<>();
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().throughput(true).heap("1g").build().start()) {
            run(pulsar, "H2", 200, reports / 2);   // warm-up, not recorded
            for (int round = 1; round <= rounds; round++) {
                for (String db : databases) {
                    for (int size : sizes) {
                        UbaMain.Summary s = run(pulsar, db, size, reports);
                        results.computeIfAbsent(db + ", batch size " + size, k -> new ArrayList<>()).add(s);
                        System.out.printf(Locale.ROOT, "round %d  %-28s %,8.0f reports/s  p50 %6.1f ms  p99 %6.1f ms%n",
                                round, db + ", batch size " + size, s.perSecond(), s.p50Ms(), s.p99Ms());
                    }
                }
            }
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%,d reports per run over HTTP (16 clients, "
                + "one report per request), %d rounds, embedded Pulsar %s; %d cores, Java %s, %s.%n%n", reports, rounds,
                EmbeddedPulsar.version(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                java.time.LocalDate.now()));
        table.append("| database, saver batch size | reports/s (median) | min | max | accept -> commit p50 ms (median) | p99 ms (median) |\n");
        table.append("|---|---|---|---|---|---|\n");
        results.forEach((name, runs) -> table.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.1f | %.1f |%n",
                name, median(runs, UbaMain.Summary::perSecond), min(runs), max(runs),
                median(runs, UbaMain.Summary::p50Ms), median(runs, UbaMain.Summary::p99Ms))));
        System.out.println();
        System.out.println(table);
        Fragments.section("pipeline", table.toString());
    }

    /** Warnings and errors only: the runs' own output is what matters here. */
    static void quietLogs() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }

    private static UbaMain.Summary run(EmbeddedPulsar pulsar, String db, int batchSize, int reports) throws Exception {
        String url = db.equals("H2") ? "jdbc:h2:mem:bench-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1" : POSTGRES;
        Map<String, String> env = db.equals("H2") ? Map.of() : Map.of("UBA_DATA_DATABASE_USER", "postgres", "UBA_DATA_DATABASE_PASSWORD", "");
        UbaConfig config = UbaConfig.load(null, env).with(null, url, "127.0.0.1:0");
        Database database = Database.open(config.data().database());
        if (!db.equals("H2")) {
            try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("TRUNCATE realtime_warehousing, acceptance_status");
            } catch (SQLException e) {
                database.close();
                throw new IllegalStateException("cannot empty the PostgreSQL tables: " + e.getMessage(), e);
            }
        }
        try (UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), database)
                .saverBatchSize(batchSize)) {
            services.startSaver();
            services.startGateway();
            UbaMain.Summary s = UbaMain.run(services, reports, 16, QUIET);
            if (s.stored() != reports || !s.failureSamples().isEmpty()) {
                throw new IllegalStateException(db + ", batch size " + batchSize + ": stored " + s.stored() + " of " + reports
                        + ", failures " + s.failureSamples());
            }
            return s;
        }
    }

    private static double median(List<UbaMain.Summary> runs, java.util.function.ToDoubleFunction<UbaMain.Summary> f) {
        List<Double> v = new ArrayList<>();
        runs.forEach(r -> v.add(f.applyAsDouble(r)));
        Collections.sort(v);
        int mid = v.size() / 2;
        return v.size() % 2 == 1 ? v.get(mid) : (v.get(mid - 1) + v.get(mid)) / 2;
    }

    private static double min(List<UbaMain.Summary> runs) {
        return runs.stream().mapToDouble(UbaMain.Summary::perSecond).min().orElse(0);
    }

    private static double max(List<UbaMain.Summary> runs) {
        return runs.stream().mapToDouble(UbaMain.Summary::perSecond).max().orElse(0);
    }
}
