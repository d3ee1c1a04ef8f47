package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The pipeline into the machine's PostgreSQL (127.0.0.1:5432, database {@code test}, trust auth), in a schema of its
 * own. In CI ({@code CI=true}) a missing PostgreSQL fails the test; on a laptop without one it is skipped, saying so.
 */
class UbaPostgresTest {
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    private static final String BASE = System.getenv().getOrDefault("UBA_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test");

    @Test
    void everyReportIsStoredOnceInPostgres() throws Exception {
        String schema = "uba_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(BASE, "postgres", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
            }
        } catch (SQLException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("PostgreSQL is required in CI but not reachable at " + BASE + ": " + e.getMessage(), e);
            }
            assumeTrue(false, "PostgreSQL not reachable at " + BASE + " (" + e.getMessage() + "); set CI=true to make this a failure");
        }
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", "postgres"))
                .with(null, BASE + "?currentSchema=" + schema, "127.0.0.1:0");
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start();
             UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(),
                     Database.open(config.data().database()))) {
            services.startSaver();
            services.startGateway();
            assertThat(services.database().latencyPercentileMicros(0.99)).isEmpty();
            UbaMain.Summary s = UbaMain.run(services, 1_000, 8, QUIET);
            assertThat(s.stored()).isEqualTo(1_000);
            assertThat(services.database().count("realtime_warehousing")).isEqualTo(750);
            assertThat(services.database().count("acceptance_status")).isEqualTo(250);
            UbaPipelineTest.assertDatabasePercentilesMatchEveryLatency(services.database());
            System.out.printf("[uba] PostgreSQL: %d reports, %.0f/s, p50 %.1f ms, p99 %.1f ms%n", s.stored(), s.perSecond(), s.p50Ms(), s.p99Ms());
        } finally {
            try (Connection c = DriverManager.getConnection(BASE, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }
}
