package io.courier.outbox;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A schema of its own in the machine's PostgreSQL (127.0.0.1:5432, database {@code test}, user {@code postgres},
 * trust auth, or {@code COURIER_TEST_POSTGRES_URL}), dropped on close. In CI ({@code CI=true}) a missing PostgreSQL
 * fails the test; elsewhere the test is skipped, saying so.
 */
final class PostgresSchema implements AutoCloseable {
    static final String BASE = System.getenv().getOrDefault("COURIER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = "postgres";

    final String name;

    private PostgresSchema(String name) {
        this.name = name;
    }

    static PostgresSchema create() {
        String schema = "outbox_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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

    /** The JDBC URL of this schema, for a child process. */
    String url() {
        return BASE + "?currentSchema=" + name;
    }

    DataSource dataSource() {
        return dataSource(url());
    }

    static DataSource dataSource(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(USER);
        return ds;
    }

    /** A pool of {@code size} connections to {@code url}, as a service would use. */
    static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(USER);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), USER, "");
    }

    void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(BASE, USER, ""); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }
}
