package io.courier.outbox;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.LifecycleException;
import io.courier.MessageId;
import io.courier.core.Server;
import io.courier.core.ServerState;
import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The publishing half of a transactional outbox: takes the committed rows of an {@link Outbox} table in id order,
 * publishes them through a {@link Broker} (batches of {@link Builder#batchSize}, published asynchronously and awaited
 * together), then deletes the rows the broker confirmed.
 *
 * <p><b>One active relay per table.</b> Any number of service instances may run a relay on the same table; the one
 * holding a PostgreSQL advisory lock (taken on a connection it keeps, and given up before that connection goes back to
 * a pool) publishes, the others try again every {@link Builder#pollInterval} and take over when it stops. PostgreSQL
 * releases the lock when the holder's connection ends, so a relay whose process is killed is replaced within a poll
 * interval. One publisher in id order keeps the
 * messages of a key in the order their rows were written (for writes of one key serialized by the caller's
 * transactions, as updates of one entity are, that is commit order).
 *
 * <p><b>At least once.</b> A relay that dies after the broker confirmed a batch and before it deleted the rows
 * publishes them again on restart, with the same {@value Outbox#MESSAGE_ID_HEADER}; an {@link Inbox} on the consumer
 * drops the second copy. When a publish fails (broker down, timeout), the rows before it are deleted and the relay
 * starts again from the failed one after {@link Builder#retryBackoff}, so the rows after it may be published again
 * too. The failure is kept in {@link #lastError()}; nothing is skipped, so a message the broker can never take (a
 * payload over its limit) holds the table up until it is removed by hand, as {@link #lag()} shows.
 *
 * <p>Thread-safe. Runs on one thread of its own from {@link #start()} to {@link #close()}.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OutboxRelay.class.getName());

    private final DataSource dataSource;
    private final Broker broker;
    private final String table;
    private final int batchSize;
    private final Duration pollInterval;
    private final Duration retryBackoff;
    private final Duration publishTimeout;
    private final String select;
    private final String delete;
    private final Object wake = new Object();
    private final AtomicLong published = new AtomicLong();
    private final Thread thread;
    private volatile boolean running;
    private volatile boolean active;
    private volatile String lastError;
    private Connection connection;
    /** Whether this relay's session holds the table's lock; the relay thread's alone. */
    private boolean locked;

    private OutboxRelay(Builder b) {
        this.dataSource = b.dataSource;
        this.broker = b.broker;
        this.table = b.table;
        this.batchSize = b.batchSize;
        this.pollInterval = b.pollInterval;
        this.retryBackoff = b.retryBackoff;
        this.publishTimeout = b.publishTimeout;
        this.select = "SELECT id, topic, message_key, headers, payload, deliver_at, event_time FROM " + table
                + " ORDER BY id LIMIT " + batchSize;
        this.delete = "DELETE FROM " + table + " WHERE id = ANY (?)";
        this.thread = new Thread(this::run, "courier-outbox-relay-" + table);
    }

    /** A relay for {@code dataSource}'s outbox table, publishing through {@code broker} (which stays the caller's). */
    public static Builder builder(DataSource dataSource, Broker broker) {
        return new Builder(dataSource, broker);
    }

    /**
     * Starts the relay's thread; it begins by trying to become the table's active relay.
     *
     * @throws LifecycleException when started twice
     */
    public synchronized OutboxRelay start() {
        if (thread.getState() != Thread.State.NEW) {
            throw new LifecycleException("the outbox relay of " + table + " was already started");
        }
        running = true;
        thread.start();
        return this;
    }

    /**
     * This relay as a {@link Server} named {@code outbox-relay}, for an {@link io.courier.core.App} to start with the
     * service and close when it stops (its grace is not used: closing finishes the batch in progress, bounded by the
     * publish timeout). Starting it starts the relay, and does nothing while it runs; a closed relay cannot start
     * again ({@link LifecycleException}).
     */
    public Server asServer() {
        return new Server() {
            @Override
            public String name() {
                return "outbox-relay";
            }

            @Override
            public void start() {
                if (!running) {
                    OutboxRelay.this.start();
                }
            }

            @Override
            public void stop(Duration grace) {
                close();
            }

            @Override
            public Optional<URI> endpoint() {
                return Optional.empty();
            }

            @Override
            public ServerState state() {
                return thread.getState() == Thread.State.NEW ? ServerState.NEW
                        : running ? ServerState.RUNNING : thread.isAlive() ? ServerState.STOPPING : ServerState.STOPPED;
            }
        };
    }

    /** True while this relay holds the table's lock and publishes; false while another one does or it has stopped. */
    public boolean isActive() {
        return active;
    }

    /** Messages this relay has published and removed from the table since it started. */
    public long published() {
        return published.get();
    }

    /** The last failure (database or broker), cleared by the next batch that goes through. */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /**
     * What waits in the table now (queried on each call, on a connection of its own): the number of rows and the
     * age of the oldest, for a health check or a gauge.
     */
    public Lag lag() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*), min(created_at), clock_timestamp() FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            Timestamp oldest = rs.getTimestamp(2);
            Duration age = oldest == null ? Duration.ZERO
                    : Duration.between(oldest.toInstant(), rs.getTimestamp(3).toInstant());
            return new Lag(rs.getLong(1), age.isNegative() ? Duration.ZERO : age);
        }
    }

    /**
     * Stops the relay: the batch in progress is finished (its publishes awaited for at most the publish timeout) and
     * the lock released, so a standby relay takes over. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
        }
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(publishTimeout.plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                Duration pause = step();
                if (!pause.isZero()) {
                    pause(pause);
                }
            }
        } finally {
            active = false;
            closeConnection();
        }
    }

    /** One round: become active, or publish one batch. Returns how long to wait before the next round. */
    private Duration step() {
        try {
            if (connection == null) {
                connection = dataSource.getConnection();
                connection.setAutoCommit(true);
            }
            if (!active) {
                active = tryLock();
                if (!active) {
                    return pollInterval;
                }
                LOG.log(System.Logger.Level.INFO, "outbox relay of {0} is active", table);
            }
            List<Row> rows = select();
            if (rows.isEmpty()) {
                return pollInterval;
            }
            int confirmed = publish(rows);
            delete(rows.subList(0, confirmed));
            published.addAndGet(confirmed);
            if (confirmed < rows.size()) {
                return retryBackoff;
            }
            lastError = null;
            return rows.size() < batchSize ? pollInterval : Duration.ZERO;
        } catch (SQLException e) {
            lastError = "database: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "outbox relay of " + table + ": " + e.getMessage());
            active = false;   // the lock went with the connection, or may have
            closeConnection();
            return retryBackoff;
        }
    }

    private boolean tryLock() throws SQLException {
        return lockCall("pg_try_advisory_lock");
    }

    /**
     * The lock is the session's, and a pooled connection's session outlives {@code close()}: it is given up before
     * the connection goes back, or the connection is aborted (a pool then drops it, and PostgreSQL the lock with it).
     */
    private void closeConnection() {
        if (connection == null) {
            return;
        }
        try {
            if (locked) {
                lockCall("pg_advisory_unlock");
            }
            connection.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "giving up the outbox relay's connection: " + e.getMessage());
            try {
                connection.abort(Runnable::run);
            } catch (SQLException | RuntimeException abortFailed) {
                LOG.log(System.Logger.Level.DEBUG, "aborting the outbox relay's connection: " + abortFailed.getMessage());
            }
        } finally {
            connection = null;
            locked = false;
        }
    }

    private boolean lockCall(String function) throws SQLException {
        // keyed by the schema-qualified table, so that outboxes of one name in two schemas do not exclude each other
        try (PreparedStatement ps = connection.prepareStatement("SELECT " + function + "(hashtext('courier-outbox'), "
                + "hashtext(CASE WHEN strpos(?, '.') > 0 THEN ? ELSE current_schema() || '.' || ? END))")) {
            ps.setString(1, table);
            ps.setString(2, table);
            ps.setString(3, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean result = rs.getBoolean(1);
                locked = function.equals("pg_try_advisory_lock") && result;
                return result;
            }
        }
    }

    private List<Row> select() throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(select); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String[] flat = (String[]) rs.getArray(4).getArray();
                Headers.Builder headers = Headers.builder();
                for (int i = 0; i + 1 < flat.length; i += 2) {
                    headers.put(flat[i], flat[i + 1]);
                }
                Envelope.Builder e = Envelope.builder(rs.getString(2), rs.getBytes(5)).codec("bytes")
                        .headers(headers.build());
                String key = rs.getString(3);
                if (key != null) {
                    e.key(key);
                }
                Timestamp deliverAt = rs.getTimestamp(6);
                if (deliverAt != null) {
                    e.deliverAt(deliverAt.toInstant());
                }
                Timestamp eventTime = rs.getTimestamp(7);
                if (eventTime != null) {
                    e.eventTime(eventTime.toInstant());
                }
                rows.add(new Row(rs.getLong(1), e.build()));
            }
        }
        return rows;
    }

    /** Publishes every row, then waits for all; returns how many rows, from the first, the broker confirmed. */
    private int publish(List<Row> rows) {
        List<CompletableFuture<MessageId>> sent = new ArrayList<>(rows.size());
        for (Row r : rows) {
            try {
                sent.add(broker.publishAsync(r.envelope));
            } catch (RuntimeException e) {
                sent.add(CompletableFuture.failedFuture(e));
            }
        }
        long deadline = System.nanoTime() + publishTimeout.toNanos();
        int confirmed = 0;
        boolean failed = false;
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (!failed) {
                    confirmed++;
                }
            } catch (ExecutionException | TimeoutException e) {
                if (!failed) {
                    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                    lastError = "publish of row " + rows.get(i).id + " to '" + rows.get(i).envelope.topic()
                            + "' failed: " + cause;
                    LOG.log(System.Logger.Level.WARNING, "outbox relay of " + table + ": " + lastError);
                }
                failed = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = true;
            }
        }
        return confirmed;
    }

    private void delete(List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        Long[] ids = new Long[rows.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rows.get(i).id;
        }
        try (PreparedStatement ps = connection.prepareStatement(delete)) {
            Array array = connection.createArrayOf("bigint", ids);
            ps.setArray(1, array);
            ps.executeUpdate();
        }
    }

    private void pause(Duration d) {
        synchronized (wake) {
            if (running) {
                try {
                    wake.wait(Math.max(1, d.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }

    private record Row(long id, Envelope envelope) {
    }

    /** What waits in the outbox table: the number of rows and the age of the oldest ({@code ZERO} when empty). */
    public record Lag(long pending, Duration oldest) {
    }

    /** Not thread-safe; build once. */
    public static final class Builder {
        private final DataSource dataSource;
        private final Broker broker;
        private String table = Outbox.DEFAULT_TABLE;
        private int batchSize = 500;
        private Duration pollInterval = Duration.ofMillis(20);
        private Duration retryBackoff = Duration.ofSeconds(1);
        private Duration publishTimeout = Duration.ofSeconds(30);

        private Builder(DataSource dataSource, Broker broker) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.broker = Objects.requireNonNull(broker, "broker");
        }

        /** The outbox table; default {@value Outbox#DEFAULT_TABLE}. Must be the {@link Outbox}'s. */
        public Builder table(String name) {
            this.table = TableName.checked("outbox", name);
            return this;
        }

        /** Rows read, published and deleted per round; default 500, 1 to 10,000. */
        public Builder batchSize(int rows) {
            if (rows < 1 || rows > 10_000) {
                throw new ConfigurationException("outbox relay batchSize must be 1 to 10000, got " + rows);
            }
            this.batchSize = rows;
            return this;
        }

        /**
         * How long an idle relay waits before it looks at the table again, and a standby relay before it tries the
         * lock again; default 20 ms (the most a committed message waits while the relay is idle).
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive("pollInterval", interval);
            return this;
        }

        /** The wait after a failed publish or database error; default 1 s. */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = positive("retryBackoff", backoff);
            return this;
        }

        /** How long a batch's publishes are awaited before the rest count as failed; default 30 s. */
        public Builder publishTimeout(Duration timeout) {
            this.publishTimeout = positive("publishTimeout", timeout);
            return this;
        }

        /** The relay, not started yet. */
        public OutboxRelay build() {
            return new OutboxRelay(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new ConfigurationException("outbox relay " + name + " must be a positive duration, got " + d);
            }
            return d;
        }
    }
}
