package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.testkit.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipeline into the machine's PostgreSQL, in a schema of its own ({@link TestPostgres}). */
class UbaPostgresTest {
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());

    @Test
    void everyReportIsStoredOnceInPostgres() throws Exception {
        try (TestPostgres schema = TestPostgres.createSchema("uba")) {
            UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", TestPostgres.USER))
                    .with(null, schema.url(), "127.0.0.1:0");
            try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start();
                 UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(),
                         Database.open(config.data().database()))) {
                services.startSaver();
                services.startGateway();
                assertThat(services.database().latencyPercentileMicros(0.99)).isEmpty();
                UbaMain.Summary s = UbaMain.run(services, 1_000, 8, QUIET);
                PipelineChecks.assertEachReportStoredOnce(services.database(), 1_000);
                assertThat(s.eachStoredOnce()).isTrue();
                assertThat(services.database().count("realtime_warehousing")).isEqualTo(750);
                assertThat(services.database().count("acceptance_status")).isEqualTo(250);
                UbaPipelineTest.assertDatabasePercentilesMatchEveryLatency(services.database());
                System.out.printf("[uba] PostgreSQL: %d reports, %.0f/s, p50 %.1f ms, p99 %.1f ms%n", s.stored(),
                        s.perSecond(), s.p50Ms(), s.p99Ms());
            }
        }
    }
}
