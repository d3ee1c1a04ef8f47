package io.courier.examples.uba;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.courier.ConnectException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The saver's database: a connection pool, the shipped migrations, and the queries the example reports with. */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;

    private Database(HikariDataSource pool) {
        this.pool = pool;
    }

    /** Opens a pool on {@code config} and applies the migrations in {@code db/migration}. */
    public static Database open(UbaConfig.Database config) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.url());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(8);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(10_000);
        hc.setPoolName("uba-saver");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new ConnectException("cannot connect to the database " + config.url() + ": " + e.getMessage(), e);
        }
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        return new Database(pool);
    }

    public DataSource dataSource() {
        return pool;
    }

    public long count(String table) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    public long storedRows() {
        return count("realtime_warehousing") + count("acceptance_status");
    }

    /**
     * How many rows hold each report the demo's client sent, by the number it writes into each report's content
     * ({@code {"seq":N}}): a report stored twice (published twice, or inserted again on redelivery) shows as 2, one
     * never stored is absent. Rows of other clients are not counted.
     */
    public java.util.Map<Integer, Integer> rowsPerReport() {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        java.util.regex.Pattern seq = java.util.regex.Pattern.compile("^\\{\"seq\":(\\d+)\\}$");
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT report_data FROM realtime_warehousing UNION ALL "
                     + "SELECT report_data FROM acceptance_status")) {
            while (rs.next()) {
                java.util.regex.Matcher m = seq.matcher(rs.getString(1));
                if (m.matches()) {
                    counts.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the stored reports: " + e.getMessage(), e);
        }
        return counts;
    }

    /** End-to-end latencies, HTTP accept to row stored, in microseconds, sorted. */
    public List<Long> latenciesMicros() {
        List<Long> result = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("realtime_warehousing", "acceptance_status")) {
                try (ResultSet rs = s.executeQuery("SELECT stored_us - received_us FROM " + table)) {
                    while (rs.next()) {
                        result.add(rs.getLong(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read latencies: " + e.getMessage(), e);
        }
        Collections.sort(result);
        return result;
    }

    /**
     * The {@code p} percentile of the end-to-end latencies (as {@link #latenciesMicros()} sorted, index
     * {@code ceil(p * n) - 1}), computed by the database: a benchmark that has stored millions of rows reads one
     * number instead of loading every latency into the JVM whose next run it measures. Empty when no row is stored.
     */
    public java.util.OptionalLong latencyPercentileMicros(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("percentile must be in (0, 1], got " + p);
        }
        String sql = "SELECT PERCENTILE_DISC(" + p + ") WITHIN GROUP (ORDER BY us) FROM (SELECT stored_us - received_us AS us "
                + "FROM realtime_warehousing UNION ALL SELECT stored_us - received_us FROM acceptance_status) latencies";
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            long value = rs.getLong(1);
            return rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(value);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the latency percentile: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
