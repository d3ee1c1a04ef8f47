package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.testkit.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** The end-to-end checks every broker the example runs on must pass, shared by the Pulsar and Kafka pipeline tests. */
final class PipelineChecks {
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    private static final Duration WAIT = Duration.ofSeconds(120);

    private PipelineChecks() {
    }

    /** 1,000 reports over HTTP: every one accepted and stored once, in the right table. */
    static void everyReportStoredOnce(UbaServices services, String label) throws Exception {
        UbaMain.Summary s = UbaMain.run(services, 1_000, 8, QUIET);
        assertThat(s.failureSamples()).isEmpty();
        assertThat(s.accepted()).isEqualTo(1_000);
        assertThat(s.stored()).isEqualTo(1_000);
        assertThat(services.database().count("realtime_warehousing")).isEqualTo(750);
        assertThat(services.database().count("acceptance_status")).isEqualTo(250);
        assertThat(s.p50Ms()).isPositive();
        System.out.printf("[uba] %s: %d reports, %.0f/s, p50 %.1f ms, p99 %.1f ms%n", label, s.stored(), s.perSecond(),
                s.p50Ms(), s.p99Ms());
    }

    /** 3,000 reports while the saver is stopped without grace at 500 rows and started again: 3,000 rows, no more. */
    static void saverKilledMidStreamStoresEveryReportOnce(UbaServices services, String label) throws Exception {
        AtomicReference<UbaMain.Summary> result = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                result.set(UbaMain.run(services, 3_000, 8, QUIET));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sender.start();
        Await.until(WAIT, () -> services.database().storedRows() >= 500, () -> "rows " + services.database().storedRows());
        services.stopSaver(Duration.ZERO);          // abandon in-flight batches, as a crash would
        long atKill = services.database().storedRows();
        services.startSaver();
        sender.join(WAIT.toMillis());
        assertThat(result.get()).isNotNull();
        assertThat(result.get().failureSamples()).isEmpty();
        assertThat(result.get().accepted()).isEqualTo(3_000);
        Await.until(WAIT, () -> services.database().storedRows() == 3_000, () -> "rows " + services.database().storedRows());
        System.out.printf("[uba] %s: saver killed at %d rows; after restart 3000 rows, %d duplicates suppressed by the new "
                + "saver%n", label, atKill, services.saver().duplicatesSuppressed());
        assertThat(services.database().storedRows()).isEqualTo(3_000);
    }
}
