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
 * each batch with one insert statement (column arrays expanded by {@code unnest}). Inserts are keyed by message id and skip rows that exist, so redelivery never
 * duplicates a row; {@link #duplicatesSuppressed()} counts the skipped ones. A database error fails the batch, which
 * is retried with backoff (10 attempts, up to 5 s apart: about half a minute of outage) before dead-lettering.
 */
public final class ReportSaver {
    static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(10).initialBackoff(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(5)).build();

    /** A table's columns: name, PostgreSQL array type, and the value of one message. */
    private record Column<T>(String name, String sqlType, java.util.function.BiFunction<Message<T>, Long, Object> value) {
    }

    private static final List<Column<RealTimeWarehousingData>> EVENT_COLUMNS = List.of(
            new Column<>("message_id", "varchar", (m, now) -> m.id().value()),
            new Column<>("event_name", "varchar", (m, now) -> m.payload().getEventName()),
            new Column<>("report_data", "text", (m, now) -> m.payload().getReportData()),
            new Column<>("create_time", "bigint", (m, now) -> m.payload().getCreateTime()),
            new Column<>("received_us", "bigint", ReportSaver::receivedAt),
            new Column<>("stored_us", "bigint", (m, now) -> now));
    private static final List<Column<AcceptStatusReportData>> STATUS_COLUMNS = List.of(
            new Column<>("message_id", "varchar", (m, now) -> m.id().value()),
            new Column<>("data_name", "varchar", (m, now) -> m.payload().getDataName()),
            new Column<>("report_type", "varchar", (m, now) -> m.payload().getReportType()),
            new Column<>("report_data", "text", (m, now) -> m.payload().getReportData()),
            new Column<>("error_reason", "text", (m, now) -> m.payload().getErrorReason()),
            new Column<>("error_handling", "text", (m, now) -> m.payload().getErrorHandling()),
            new Column<>("status", "varchar", (m, now) -> m.payload().getStatus()),
            new Column<>("part_event", "varchar", (m, now) -> m.payload().getPartEvent()),
            new Column<>("part_date", "varchar", (m, now) -> m.payload().getPartDate()),
            new Column<>("received_us", "bigint", ReportSaver::receivedAt),
            new Column<>("stored_us", "bigint", (m, now) -> now));

    private final DataSource dataSource;
    private final String insertEvent;
    private final String insertStatus;
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    /**
     * HTTP accept to database commit, in microseconds, of every message written (taken after the commit returned: the
     * rows' own {@code stored_us} is stamped before the insert runs). Up to an hour, three significant digits.
     */
    private final org.HdrHistogram.Recorder acceptToCommit = new org.HdrHistogram.Recorder(TimeUnit.HOURS.toMicros(1), 3);
    private org.HdrHistogram.Histogram latencies = new org.HdrHistogram.Histogram(TimeUnit.HOURS.toMicros(1), 3);

    private final io.opentelemetry.api.trace.Tracer tracer;
    private final int batchSize;

    /** Rows per insert transaction at most, unless told otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 500;
    /** The largest batch size allowed. */
    public static final int MAX_BATCH_SIZE = 2_000;

    public ReportSaver(DataSource dataSource) {
        this(dataSource, null, DEFAULT_BATCH_SIZE);
    }

    /**
     * @param tracer    traces each transaction as a CLIENT span, or null for none
     * @param batchSize most messages written per transaction (1 to {@value #MAX_BATCH_SIZE})
     */
    public ReportSaver(DataSource dataSource, io.opentelemetry.api.trace.Tracer tracer, int batchSize) {
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new io.courier.ConfigurationException("saver batch size must be between 1 and " + MAX_BATCH_SIZE + ", got " + batchSize);
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
        this.insertEvent = insertIgnoringDuplicates("realtime_warehousing", EVENT_COLUMNS, postgres);
        this.insertStatus = insertIgnoringDuplicates("acceptance_status", STATUS_COLUMNS, postgres);
    }

    /**
     * One statement per batch that skips rows whose message id exists: every column is sent as one array and expanded
     * by {@code unnest} (one round trip and one plan for the whole batch; its update count is the rows inserted).
     * PostgreSQL skips with {@code ON CONFLICT DO NOTHING}; H2, which has no ON CONFLICT for a query, with a
     * {@code NOT EXISTS} guard. Two savers racing on one id make the loser's batch fail once; its retry skips.
     */
    static <T> String insertIgnoringDuplicates(String table, List<Column<T>> columns, boolean postgres) {
        String names = String.join(", ", columns.stream().map(Column::name).toList());
        if (postgres) {
            String arrays = String.join(", ", columns.stream().map(c -> "?::" + c.sqlType() + "[]").toList());
            return "INSERT INTO " + table + " (" + names + ") SELECT * FROM unnest(" + arrays + ") ON CONFLICT (message_id) DO NOTHING";
        }
        String arrays = String.join(", ", columns.stream()
                .map(c -> "CAST(? AS " + (c.sqlType().equals("bigint") ? "BIGINT" : "VARCHAR") + " ARRAY)").toList());
        return "INSERT INTO " + table + " (" + names + ") SELECT * FROM unnest(" + arrays + ") AS u(" + names
                + ") WHERE NOT EXISTS (SELECT 1 FROM " + table + " t WHERE t.message_id = u.message_id)";
    }

    /** Registers both batch handlers on {@code server}. */
    public void registerOn(MessageServer server) {
        server.registerBatch(options(Topics.EVENT, batchSize), RealTimeWarehousingData.class,
                batch -> write("realtime_warehousing", insertEvent, EVENT_COLUMNS, batch));
        server.registerBatch(options(Topics.USER, batchSize), AcceptStatusReportData.class,
                batch -> write("acceptance_status", insertStatus, STATUS_COLUMNS, batch));
    }

    /** Up to {@code batchSize} per batch, and room for the next batches to gather while one is written. */
    static SubscribeOptions options(String topic, int batchSize) {
        return SubscribeOptions.builder(topic, Topics.SAVER_SUBSCRIPTION).type(SubscriptionType.SHARED)
                .initialPosition(io.courier.InitialPosition.EARLIEST).maxInFlight(Math.max(500, 4 * batchSize)).batchSize(batchSize)
                .batchWait(Duration.ofMillis(20)).retry(RETRY).build();
    }

    public long stored() {
        return stored.sum();
    }

    public long duplicatesSuppressed() {
        return duplicates.sum();
    }

    /**
     * HTTP accept to commit of the messages written since the last {@link #resetLatencies()} (or since start), in
     * microseconds: a copy, safe to read while the saver runs.
     */
    public synchronized org.HdrHistogram.Histogram acceptToCommitMicros() {
        latencies.add(acceptToCommit.getIntervalHistogram());
        return latencies.copy();
    }

    /** Starts a new latency measurement (a benchmark run's). */
    public synchronized void resetLatencies() {
        acceptToCommit.reset();
        latencies.reset();
    }

    /** Writes {@code batch} in one transaction, traced when a tracer was given; counts rows once it committed. */
    private <T> void write(String table, String sql, List<Column<T>> columns, List<Message<T>> batch) throws SQLException {
        if (tracer == null) {
            write(sql, columns, batch);
            return;
        }
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("INSERT " + table)
                .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                .setAttribute("db.operation.name", "INSERT").setAttribute("db.collection.name", table)
                .setAttribute("db.operation.batch.size", (long) batch.size()).startSpan();
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            write(sql, columns, batch);
        } catch (SQLException | RuntimeException e) {
            span.recordException(e);
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    private <T> void write(String sql, List<Column<T>> columns, List<Message<T>> batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try {
                c.setAutoCommit(false);
                int inserted;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    inserted = insertArrays(c, ps, columns, distinctIds(batch));
                }
                c.commit();
                long committed = nowMicros();
                for (Message<T> m : batch) {
                    long received = receivedAt(m, -1L);
                    if (received > 0) {
                        acceptToCommit.recordValue(Math.max(0, Math.min(committed - received, TimeUnit.HOURS.toMicros(1))));
                    }
                }
                stored.add(inserted);
                duplicates.add(batch.size() - inserted);
            } catch (SQLException e) {
                abortIfBroken(c, e);
                throw e;
            }
        }
    }

    private static <T> int insertArrays(Connection c, PreparedStatement ps, List<Column<T>> columns, List<Message<T>> batch)
            throws SQLException {
        long now = nowMicros();
        for (int j = 0; j < columns.size(); j++) {
            Column<T> column = columns.get(j);
            Object[] values = column.sqlType().equals("bigint") ? new Long[batch.size()] : new String[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                values[i] = column.value().apply(batch.get(i), now);
            }
            ps.setArray(j + 1, c.createArrayOf(column.sqlType(), values));
        }
        return ps.executeUpdate();
    }

    /** The batch without a second copy of a message (a redelivery can meet its first copy in one batch). */
    private static <T> List<Message<T>> distinctIds(List<Message<T>> batch) {
        java.util.Set<String> seen = new java.util.HashSet<>(batch.size() * 2);
        List<Message<T>> distinct = new java.util.ArrayList<>(batch.size());
        for (Message<T> m : batch) {
            if (seen.add(m.id().value())) {
                distinct.add(m);
            }
        }
        return distinct;
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

    private static long receivedAt(Message<?> m, Long fallback) {
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
