package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The article's closing sentence: the same pipeline (gateway and saver unchanged) on a real Kafka, only the broker URL
 * differing. HTTP -> gateway -> embedded Kafka 4.4.0 -> saver (a SHARED subscription: a Kafka share group) -> H2.
 */
class UbaKafkaPipelineTest {
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static EmbeddedKafka kafka;
    private UbaServices services;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.builder().build().start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void stopServices() {
        if (services != null) {
            services.close();
        }
    }

    private void start() {
        String h2 = "jdbc:h2:mem:uba-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
        UbaConfig config = UbaConfig.load(null, Map.of()).with("kafka://" + kafka.bootstrapServers(), h2, "127.0.0.1:0");
        services = UbaServices.on(config, config.data().pulsar().url(), null, Database.open(config.data().database()));
        services.startSaver();
        services.startGateway();
    }

    @Test
    void everyReportSentOverHttpIsStoredOnceOnKafka() throws Exception {
        start();
        UbaMain.Summary s = UbaMain.run(services, 1_000, 8, QUIET);
        assertThat(s.failureSamples()).isEmpty();
        assertThat(s.accepted()).isEqualTo(1_000);
        assertThat(s.stored()).isEqualTo(1_000);
        assertThat(services.database().count("realtime_warehousing")).isEqualTo(750);
        assertThat(services.database().count("acceptance_status")).isEqualTo(250);
        System.out.printf("[uba] Kafka, H2: %d reports, %.0f/s, p50 %.1f ms, p99 %.1f ms%n", s.stored(), s.perSecond(),
                s.p50Ms(), s.p99Ms());
    }

    @Test
    void aSaverKilledMidStreamAndRestartedStoresEveryReportExactlyOnceOnKafka() throws Exception {
        start();
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
        System.out.printf("[uba] Kafka: saver killed at %d rows; after restart 3000 rows, %d duplicates suppressed%n",
                atKill, services.saver().duplicatesSuppressed());
        assertThat(services.database().storedRows()).isEqualTo(3_000);
    }
}
