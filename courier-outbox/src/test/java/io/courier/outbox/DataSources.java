package io.courier.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.courier.testkit.TestPostgres;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Data sources on a {@link TestPostgres} schema: a plain one, and a pool as a service would use. */
final class DataSources {
    private DataSources() {
    }

    static DataSource dataSource(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(TestPostgres.USER);
        return ds;
    }

    /** A pool of {@code size} connections to {@code url}. */
    static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(TestPostgres.USER);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }
}
