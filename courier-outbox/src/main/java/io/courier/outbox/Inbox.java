package io.courier.outbox;

import io.courier.BatchHandler;
import io.courier.ConfigurationException;
import io.courier.Handler;
import io.courier.Message;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * An idempotent consumer: wraps a handler so that its database work and the record "this message was handled" commit
 * in one transaction, on one connection. A message delivered again (its acknowledgement was lost when the consumer
 * died after the commit, or the outbox relay published it twice) finds its record, and is acknowledged without the
 * handler running again. Effects happen once; the broker's at-least-once delivery is left as it is.
 *
 * <p>It wraps the handler rather than sitting in the server's middleware because the handler must write on the
 * inbox's connection: the handler gets it as an argument ({@link TransactionalHandler}).
 *
 * <p>A message is known by its subscription plus its {@value Outbox#MESSAGE_ID_HEADER} header when it has one (every
 * copy an {@link OutboxRelay} publishes carries the same), otherwise its topic and the broker's message id (the same
 * on every redelivery of one published message). Two subscriptions sharing a table each handle a message once.
 *
 * <p>Records are kept for {@link Builder#retention} and at most {@link Builder#maxEntries}, purged every
 * {@link Builder#purgeInterval} on a thread of the inbox's own; a message redelivered after its record was purged
 * runs again, so keep the retention longer than anything that may redeliver (a dead-letter replay included).
 * PostgreSQL (the record is an {@code INSERT ... ON CONFLICT DO NOTHING}, which also makes a concurrent second
 * delivery wait for the first one's transaction). Thread-safe.
 *
 * <pre>{@code
 * Inbox inbox = Inbox.builder(dataSource).build();
 * server.subscribe(options, Order.class, inbox.handler((connection, message) -> saveOrder(connection, message.payload())));
 * }</pre>
 */
public final class Inbox implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Inbox.class.getName());
    /** The table used unless the builder names another. */
    public static final String DEFAULT_TABLE = "courier_inbox";

    private final DataSource dataSource;
    private final String table;
    private final Duration retention;
    private final long maxEntries;
    private final String insertOne;
    private final String insertMany;
    private final AtomicLong duplicates = new AtomicLong();
    private final ScheduledExecutorService purger;

    private Inbox(Builder b) {
        this.dataSource = b.dataSource;
        this.table = b.table;
        this.retention = b.retention;
        this.maxEntries = b.maxEntries;
        this.insertOne = "INSERT INTO " + table + " (message_key) VALUES (?) ON CONFLICT DO NOTHING";
        this.insertMany = "INSERT INTO " + table + " (message_key) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING"
                + " RETURNING message_key";
        this.purger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "courier-inbox-purge-" + table);
            t.setDaemon(true);
            return t;
        });
        long every = b.purgeInterval.toMillis();
        purger.scheduleWithFixedDelay(this::purgeQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** The key a message is recorded under: its subscription and its outbox id, or its topic and broker id. */
    public static String keyOf(Message<?> m) {
        String outboxId = m.headers().get(Outbox.MESSAGE_ID_HEADER);
        return outboxId != null ? m.subscription() + "|" + outboxId
                : m.subscription() + "|" + m.topic() + "|" + m.id().value();
    }

    /**
     * {@code handler} run at most once per message: in a transaction that first records the message, skipped
     * (and the message acknowledged) when the record already exists.
     */
    public <T> Handler<T> handler(TransactionalHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        return message -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    int recorded;
                    try (PreparedStatement ps = c.prepareStatement(insertOne)) {
                        ps.setString(1, keyOf(message));
                        recorded = ps.executeUpdate();
                    }
                    if (recorded == 0) {
                        c.rollback();
                        duplicates.incrementAndGet();
                        return;
                    }
                    handler.handle(c, message);
                    c.commit();
                } catch (Throwable e) {
                    rollback(c, e);
                    throw e;
                }
            }
        };
    }

    /**
     * {@code handler} given, per batch, only the messages not handled before (in delivery order, each once), in a
     * transaction that records them; a batch of nothing but duplicates commits nothing and does not call it.
     */
    public <T> BatchHandler<T> batchHandler(TransactionalBatchHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        return batch -> {
            Map<String, Message<T>> byKey = new LinkedHashMap<>();
            for (Message<T> m : batch) {
                byKey.putIfAbsent(keyOf(m), m);
            }
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    Set<String> recorded = new HashSet<>();
                    try (PreparedStatement ps = c.prepareStatement(insertMany)) {
                        Array keys = c.createArrayOf("text", byKey.keySet().toArray(new String[0]));
                        ps.setArray(1, keys);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                recorded.add(rs.getString(1));
                            }
                        }
                    }
                    List<Message<T>> fresh = new ArrayList<>(recorded.size());
                    for (Map.Entry<String, Message<T>> e : byKey.entrySet()) {
                        if (recorded.contains(e.getKey())) {
                            fresh.add(e.getValue());
                        }
                    }
                    duplicates.addAndGet(batch.size() - fresh.size());
                    if (fresh.isEmpty()) {
                        c.rollback();
                        return;
                    }
                    handler.handle(c, fresh);
                    c.commit();
                } catch (Throwable e) {
                    rollback(c, e);
                    throw e;
                }
            }
        };
    }

    /** Deliveries this inbox acknowledged without running the handler, because they had been handled before. */
    public long duplicates() {
        return duplicates.get();
    }

    /**
     * Deletes the records older than the retention and those beyond the newest {@code maxEntries} (records of one
     * transaction share their time, so the count may go a batch below the bound); runs on its own every purge
     * interval, and may be called at any time.
     *
     * @return the number of records deleted
     */
    public int purge() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            int deleted;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                    + " WHERE handled_at < clock_timestamp() - ? * interval '1 millisecond'")) {
                ps.setLong(1, retention.toMillis());
                deleted = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE handled_at <= (SELECT handled_at"
                    + " FROM " + table + " ORDER BY handled_at DESC OFFSET ? LIMIT 1)")) {
                ps.setLong(1, maxEntries);
                deleted += ps.executeUpdate();
            }
            return deleted;
        }
    }

    /** The PostgreSQL DDL of the inbox table, for a migration tool; {@link #createTable} runs the same. */
    public String schema() {
        String local = TableName.local(table);
        return "CREATE TABLE IF NOT EXISTS " + table + " (\n"
                + "  message_key text PRIMARY KEY,\n"
                + "  handled_at timestamptz NOT NULL DEFAULT now()\n"
                + ");\n"
                + "CREATE INDEX IF NOT EXISTS " + local + "_handled_at ON " + table + " (handled_at)";
    }

    /** Creates the inbox table and its indexes when they do not exist yet. */
    public void createTable(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String statement : schema().split(";\n")) {
                s.execute(statement);
            }
        }
    }

    /** Stops the purge thread. Handlers made by this inbox keep working. Idempotent. */
    @Override
    public void close() {
        purger.shutdownNow();
    }

    private void purgeQuietly() {
        try {
            purge();
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "purging the inbox " + table + " failed: " + e.getMessage());
        }
    }

    private static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Not thread-safe; build once. */
    public static final class Builder {
        private final DataSource dataSource;
        private String table = DEFAULT_TABLE;
        private Duration retention = Duration.ofDays(7);
        private long maxEntries = 10_000_000;
        private Duration purgeInterval = Duration.ofMinutes(1);

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The inbox table; default {@value Inbox#DEFAULT_TABLE}. */
        public Builder table(String name) {
            this.table = TableName.checked("inbox", name);
            return this;
        }

        /** How long a record is kept; default 7 days. */
        public Builder retention(Duration age) {
            if (age == null || age.isNegative() || age.isZero()) {
                throw new ConfigurationException("inbox retention must be a positive duration, got " + age);
            }
            this.retention = age;
            return this;
        }

        /** The most records kept, the newest; default 10,000,000. */
        public Builder maxEntries(long count) {
            if (count < 1) {
                throw new ConfigurationException("inbox maxEntries must be at least 1, got " + count);
            }
            this.maxEntries = count;
            return this;
        }

        /** How often old records are purged; default 1 minute. */
        public Builder purgeInterval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new ConfigurationException("inbox purgeInterval must be a positive duration, got " + interval);
            }
            this.purgeInterval = interval;
            return this;
        }

        public Inbox build() {
            return new Inbox(this);
        }
    }
}
