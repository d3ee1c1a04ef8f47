package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.embedded.ChildJvm;
import io.courier.testkit.Await;
import io.courier.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The end-to-end checks every broker the example runs on must pass, shared by the pipeline tests of each broker. */
final class PipelineChecks {
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Pattern STOPPED = Pattern.compile("STOPPED stored=(\\d+) duplicates=(\\d+)");

    private PipelineChecks() {
    }

    /** 1,000 reports over HTTP: every one accepted and stored once, in the right table, checked report by report. */
    static void everyReportStoredOnce(UbaServices services, String label) throws Exception {
        UbaMain.Summary s = UbaMain.run(services, 1_000, 8, QUIET);
        assertThat(s.failureSamples()).isEmpty();
        assertThat(s.accepted()).isEqualTo(1_000);
        assertEachReportStoredOnce(services.database(), 1_000);
        assertThat(s.eachStoredOnce()).isTrue();
        assertThat(services.database().count("realtime_warehousing")).isEqualTo(750);
        assertThat(services.database().count("acceptance_status")).isEqualTo(250);
        assertThat(s.p50Ms()).isPositive();
        System.out.printf("[uba] %s: %d reports, %.0f/s, p50 %.1f ms, p99 %.1f ms%n", label, s.stored(), s.perSecond(),
                s.p50Ms(), s.p99Ms());
    }

    /** Reports 0 to {@code n - 1} are each in exactly one row; the ones that are not are named. */
    static void assertEachReportStoredOnce(Database database, int n) {
        Map<Integer, Integer> rows = database.rowsPerReport();
        Map<Integer, Integer> wrong = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            int r = rows.getOrDefault(i, 0);
            if (r != 1) {
                wrong.put(i, r);
            }
        }
        assertThat(wrong).as("reports not stored in exactly one row (report -> rows)").isEmpty();
        assertThat(rows.keySet()).as("rows of reports never sent").allMatch(seq -> seq < n);
    }

    /**
     * The saver as a process of its own, SIGKILLed once it has stored 500 of 3,000 reports (no drain, no
     * acknowledgement flush, its broker connection cut as a crashed machine's), and another saver process started: every
     * report stored exactly once, checked report by report in PostgreSQL. What the killed saver had received and not
     * acknowledged comes back to the new one (on a Kafka share group once the dead member's record locks expire); the
     * new saver finds those of them the killed one had committed already stored.
     */
    static void crashedSaverProcessStoresEveryReportOnce(String brokerUrl, String adminUrl, String label) throws Exception {
        try (TestPostgres schema = TestPostgres.createSchema("uba")) {
            UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", TestPostgres.USER))
                    .with(brokerUrl, schema.url(), "127.0.0.1:0");
            try (UbaServices gateway = UbaServices.on(config, brokerUrl, adminUrl, Database.open(config.data().database()))) {
                gateway.startGateway();
                Database database = gateway.database();
                List<String> firstLines = new CopyOnWriteArrayList<>();
                long killedAtRows;
                long killedNanos;
                List<String> secondLines = new CopyOnWriteArrayList<>();
                try (ChildJvm first = saver(brokerUrl, adminUrl, schema, firstLines)) {
                    awaitReady(first, firstLines);
                    AtomicReference<UbaMain.Summary> sent = new AtomicReference<>();
                    Thread sender = new Thread(() -> {
                        try {
                            sent.set(UbaMain.run(gateway, 3_000, 8, 1, QUIET));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, "report-sender");
                    sender.start();
                    Await.until(WAIT, () -> database.storedRows() >= 500, () -> "rows " + database.storedRows());
                    first.kill();
                    killedNanos = System.nanoTime();
                    killedAtRows = database.storedRows();   // final: the killed process commits nothing more
                    try (ChildJvm second = saver(brokerUrl, adminUrl, schema, secondLines)) {
                        awaitReady(second, secondLines);
                        sender.join(WAIT.toMillis());
                        assertThat(sent.get()).isNotNull();
                        assertThat(sent.get().failureSamples()).isEmpty();
                        assertThat(sent.get().accepted()).isEqualTo(3_000);
                        Await.until(WAIT, () -> database.storedRows() >= 3_000, () -> "rows " + database.storedRows()
                                + ", new saver: " + second.tail(5));
                        long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNanos);
                        // a JVM ended by SIGTERM exits with 143 once its shutdown hooks (the saver's drain) have run
                        assertThat(second.terminate(Duration.ofSeconds(60))).as("the new saver's exit code").isEqualTo(143);
                        assertEachReportStoredOnce(database, 3_000);
                        Matcher m = secondLines.stream().map(STOPPED::matcher).filter(Matcher::matches).findFirst()
                                .orElseThrow(() -> new AssertionError("no STOPPED line from the new saver: " + secondLines));
                        long storedBySecond = Long.parseLong(m.group(1));
                        long foundStored = Long.parseLong(m.group(2));
                        assertThat(killedAtRows + storedBySecond).as("rows of the killed saver and of the new one")
                                .isEqualTo(3_000);
                        System.out.printf("[uba] %s: saver process SIGKILLed at %d rows; a new saver process stored the "
                                + "other %d, every report once (checked report by report), all stored %d ms after the "
                                + "kill; it found %d redelivered reports already stored%n", label, killedAtRows,
                                storedBySecond, recoveredMs, foundStored);
                    }
                }
            }
        }
    }

    private static ChildJvm saver(String brokerUrl, String adminUrl, TestPostgres schema, List<String> lines) {
        return ChildJvm.startWithLines(SaverProcess.class, List.of("-Xmx256m"),
                List.of(brokerUrl, adminUrl == null ? "-" : adminUrl, schema.url()), lines::add);
    }

    private static void awaitReady(ChildJvm child, List<String> lines) {
        Await.until(WAIT, () -> lines.contains("READY") || !child.isAlive(), () -> "saver not ready: " + child.tail(20));
        assertThat(child.isAlive()).as("saver process running: %s", child.tail(20)).isTrue();
    }
}
