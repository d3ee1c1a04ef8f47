package io.courier.examples.uba;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A schema of its own in the machine's PostgreSQL (127.0.0.1:5432, database {@code test}, trust auth, or
 * {@code UBA_TEST_POSTGRES_URL}), dropped on close. In CI ({@code CI=true}) a missing PostgreSQL fails the test; on a
 * laptop without one the test is skipped, saying so.
 */
final class PostgresSchema implements AutoCloseable {
    static final String BASE = System.getenv().getOrDefault("UBA_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = "postgres";

    private final String name;

    private PostgresSchema(String name) {
        this.name = name;
    }

    static PostgresSchema create() {
        String schema = "uba_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(BASE, USER, ""); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("PostgreSQL is required in CI but not reachable at " + BASE + ": " + e.getMessage(), e);
            }
            assumeTrue(false, "PostgreSQL not reachable at " + BASE + " (" + e.getMessage() + "); set CI=true to make this a failure");
        }
        return new PostgresSchema(schema);
    }

    /** The JDBC URL of this schema. */
    String url() {
        return BASE + "?currentSchema=" + name;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(BASE, USER, ""); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }
}
