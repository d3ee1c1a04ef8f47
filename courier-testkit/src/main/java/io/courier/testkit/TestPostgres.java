package io.courier.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A schema of its own in the machine's PostgreSQL, for one test, dropped on close: {@code 127.0.0.1:5432}, database
 * {@code test}, user {@code postgres} with trust authentication, or the JDBC URL in {@code COURIER_TEST_POSTGRES_URL}.
 * In CI ({@code CI=true}) a PostgreSQL that does not answer fails the test; elsewhere the test is skipped, saying so.
 * Needs a PostgreSQL JDBC driver on the test's class path. Not thread-safe.
 */
public final class TestPostgres implements AutoCloseable {
    public static final String BASE_URL = System.getenv().getOrDefault("COURIER_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = "postgres";

    private final String schema;

    private TestPostgres(String schema) {
        this.schema = schema;
    }

    /** Creates a schema named {@code prefix} and a random suffix. */
    public static TestPostgres createSchema(String prefix) {
        String schema = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, ""); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("PostgreSQL is required in CI but not reachable at " + BASE_URL + ": "
                        + e.getMessage(), e);
            }
            assumeTrue(false, "PostgreSQL not reachable at " + BASE_URL + " (" + e.getMessage()
                    + "); set CI=true to make this a failure");
        }
        return new TestPostgres(schema);
    }

    public String schema() {
        return schema;
    }

    /** The JDBC URL of this schema (for this JVM, or a child process's). */
    public String url() {
        return BASE_URL + (BASE_URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), USER, "");
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the first row of {@code sql}, as a number (a {@code count(*)}). */
    public long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(BASE_URL, USER, ""); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
