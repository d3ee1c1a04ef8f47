package io.courier.examples.uba;

import io.courier.Message;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import io.courier.examples.uba.report.v1.AcceptStatusReportData;
import io.courier.examples.uba.report.v1.RealTimeWarehousingData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The saver of the article: batch handlers on both topics (SHARED subscription {@code logger-saver}) that write
 * rows with JDBC batch inserts. Inserts are keyed by message id and skip rows that exist, so redelivery never
 * duplicates a row; {@link #duplicatesSuppressed()} counts the skipped ones. A database error fails the batch, which
 * is retried with backoff (10 attempts, up to 5 s apart: about half a minute of outage) before dead-lettering.
 */
public final class ReportSaver {
    static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(10).initialBackoff(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(5)).build();

    private static final String EVENT_COLUMNS = "message_id, event_name, report_data, create_time, received_us, stored_us";
    private static final String STATUS_COLUMNS = "message_id, data_name, report_type, report_data, error_reason, "
            + "error_handling, status, part_event, part_date, received_us, stored_us";

    private final DataSource dataSource;
    private final String insertEvent;
    private final String insertStatus;
    /** True for the guarded INSERT ... SELECT form, which takes the message id once more as its last parameter. */
    private final boolean guardedInsert;
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();

    private final io.opentelemetry.api.trace.Tracer tracer;
    private final int batchSize;

    /** Rows per insert transaction at most, unless told otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 200;

    public ReportSaver(DataSource dataSource) {
        this(dataSource, null, DEFAULT_BATCH_SIZE);
    }

    /**
     * @param tracer    traces each transaction as a CLIENT span, or null for none
     * @param batchSize most messages written per transaction (1 to 500; the subscription holds at most 500)
     */
    public ReportSaver(DataSource dataSource, io.opentelemetry.api.trace.Tracer tracer, int batchSize) {
        if (batchSize < 1 || batchSize > 500) {
            throw new io.courier.ConfigurationException("saver batch size must be between 1 and 500, got " + batchSize);
        }
        this.dataSource = dataSource;
        this.tracer = tracer;
        this.batchSize = batchSize;
        boolean postgres;
        try (Connection c = dataSource.getConnection()) {
            postgres = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the database product: " + e.getMessage(), e);
        }
        this.guardedInsert = !postgres;
        this.insertEvent = insertIgnoringDuplicates("realtime_warehousing", EVENT_COLUMNS, 6, postgres);
        this.insertStatus = insertIgnoringDuplicates("acceptance_status", STATUS_COLUMNS, 11, postgres);
    }

    /**
     * An insert that skips a row whose message id exists (update count 0): PostgreSQL's ON CONFLICT, or a guarded
     * INSERT ... SELECT elsewhere (H2). Two savers racing on one id make the loser's batch fail once; its retry skips.
     */
    static String insertIgnoringDuplicates(String table, String columns, int count, boolean postgres) {
        String params = String.join(", ", java.util.Collections.nCopies(count, "?"));
        if (postgres) {
            return "INSERT INTO " + table + " (" + columns + ") VALUES (" + params + ") ON CONFLICT (message_id) DO NOTHING";
        }
        return "INSERT INTO " + table + " (" + columns + ") SELECT " + params + " WHERE NOT EXISTS (SELECT 1 FROM " + table
                + " WHERE message_id = ?)";
    }

    /** Registers both batch handlers on {@code server}. */
    public void registerOn(MessageServer server) {
        server.registerBatch(options(Topics.EVENT, batchSize), RealTimeWarehousingData.class, this::saveEvents);
        server.registerBatch(options(Topics.USER, batchSize), AcceptStatusReportData.class, this::saveStatuses);
    }

    static SubscribeOptions options(String topic, int batchSize) {
        return SubscribeOptions.builder(topic, Topics.SAVER_SUBSCRIPTION).type(SubscriptionType.SHARED)
                .initialPosition(io.courier.InitialPosition.EARLIEST).maxInFlight(500).batchSize(batchSize)
                .batchWait(Duration.ofMillis(20)).retry(RETRY).build();
    }

    public long stored() {
        return stored.sum();
    }

    public long duplicatesSuppressed() {
        return duplicates.sum();
    }

    @FunctionalInterface
    private interface Work {
        int[] apply(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction and counts inserted and skipped rows once it committed. */
    private void write(String table, int rows, Work work) throws SQLException {
        if (tracer == null) {
            write(work);
            return;
        }
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("INSERT " + table)
                .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                .setAttribute("db.operation.name", "INSERT").setAttribute("db.collection.name", table)
                .setAttribute("db.operation.batch.size", (long) rows).startSpan();
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            write(work);
        } catch (SQLException | RuntimeException e) {
            span.recordException(e);
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private void write(Work work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try {
                c.setAutoCommit(false);
                int[] results = work.apply(c);
                c.commit();
                count(results);
            } catch (SQLException e) {
                abortIfBroken(c, e);
                throw e;
            }
        }
    }

    void saveEvents(List<Message<RealTimeWarehousingData>> batch) throws SQLException {
        write("realtime_warehousing", batch.size(), c -> {
            try (PreparedStatement ps = c.prepareStatement(insertEvent)) {
                long now = nowMicros();
                for (Message<RealTimeWarehousingData> m : batch) {
                    RealTimeWarehousingData d = m.payload();
                    ps.setString(1, m.id().value());
                    ps.setString(2, d.getEventName());
                    ps.setString(3, d.getReportData());
                    ps.setLong(4, d.getCreateTime());
                    ps.setLong(5, receivedAt(m, now));
                    ps.setLong(6, now);
                    if (guardedInsert) {
                        ps.setString(7, m.id().value());
                    }
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
    }

    void saveStatuses(List<Message<AcceptStatusReportData>> batch) throws SQLException {
        write("acceptance_status", batch.size(), c -> {
            try (PreparedStatement ps = c.prepareStatement(insertStatus)) {
                long now = nowMicros();
                for (Message<AcceptStatusReportData> m : batch) {
                    AcceptStatusReportData d = m.payload();
                    ps.setString(1, m.id().value());
                    ps.setString(2, d.getDataName());
                    ps.setString(3, d.getReportType());
                    ps.setString(4, d.getReportData());
                    ps.setString(5, d.getErrorReason());
                    ps.setString(6, d.getErrorHandling());
                    ps.setString(7, d.getStatus());
                    ps.setString(8, d.getPartEvent());
                    ps.setString(9, d.getPartDate());
                    ps.setLong(10, receivedAt(m, now));
                    ps.setLong(11, now);
                    if (guardedInsert) {
                        ps.setString(12, m.id().value());
                    }
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
    }

    /**
     * Aborts a connection that failed because the database went away and evicts the pool's others, so that the retry
     * gets a fresh connection rather than another dead one (the pool only recognises SQLState 08 failures by itself).
     */
    private void abortIfBroken(Connection c, SQLException e) {
        if (e instanceof java.sql.SQLNonTransientConnectionException || e instanceof java.sql.SQLTransientConnectionException
                || (e.getSQLState() != null && e.getSQLState().startsWith("08"))) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // already unusable: the pool drops it either way
            }
            // the other pooled connections died with the database too: replace them all, not one per retry
            if (dataSource instanceof com.zaxxer.hikari.HikariDataSource pool && pool.getHikariPoolMXBean() != null) {
                pool.getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    private void count(int[] results) {
        for (int r : results) {
            if (r == 0) {
                duplicates.increment();
            } else {
                stored.increment();
            }
        }
    }

    private static long receivedAt(Message<?> m, long fallback) {
        String h = m.headers().get(Topics.RECEIVED_AT);
        try {
            return h == null ? fallback : Long.parseLong(h);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static long nowMicros() {
        return TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    }
}
