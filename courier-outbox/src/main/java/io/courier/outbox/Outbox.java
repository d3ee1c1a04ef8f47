package io.courier.outbox;

import io.courier.Codec;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.core.codec.BytesCodec;
import io.courier.core.codec.Codecs;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The writing half of a transactional outbox: {@link #publish(Connection, Envelope)} stores a message in the outbox
 * table on the caller's own connection, inside the caller's own transaction, so it exists exactly when the
 * transaction's other writes do. An {@link OutboxRelay} publishes the committed rows through a {@code Broker}.
 *
 * <p>The payload is encoded here, with the envelope's codec (default {@code json}), and the codec's content type is
 * stored with it; the relay publishes the bytes as they are, so a consumer decodes them as if the service had
 * published directly. Every message gets a random UUID, returned by {@code publish} and carried in the
 * {@value #MESSAGE_ID_HEADER} header: a message the relay publishes twice (it crashed between publishing and
 * marking the row sent) carries the same id both times, which is what an {@link Inbox} recognises.
 *
 * <p>PostgreSQL only (the relay's lock is a PostgreSQL advisory lock). Create the table with {@link #createTable} or
 * put {@link #schema()} in your migrations. Thread-safe: one instance serves every thread of a service.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.builder().build();                 // table courier_outbox, codec json
 * try (Connection c = dataSource.getConnection()) {
 *     c.setAutoCommit(false);
 *     insertOrder(c, order);
 *     outbox.publish(c, Envelope.builder("orders", order).key(order.id()).build());
 *     c.commit();                                           // the order and its message, or neither
 * }
 * }</pre>
 */
public final class Outbox {
    /** The header carrying the id {@link #publish} returned; the same on every copy of the message. */
    public static final String MESSAGE_ID_HEADER = Headers.RESERVED_PREFIX + "message-id";
    /** The table used unless the builder names another. */
    public static final String DEFAULT_TABLE = "courier_outbox";

    private final String table;
    private final Codecs codecs;
    private final Codec defaultCodec;
    private final Clock clock;
    private final String insert;

    private Outbox(Builder b) {
        this.table = b.table;
        this.codecs = b.codecs;
        this.defaultCodec = codecs.byName(b.defaultCodec);
        this.clock = b.clock;
        this.insert = "INSERT INTO " + table + " (message_id, topic, message_key, headers, payload, deliver_at, event_time)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)";
    }

    public static Builder builder() {
        return new Builder();
    }

    public String table() {
        return table;
    }

    /** {@link #publish(Connection, Envelope)} of {@code payload} on {@code topic}, without key or headers. */
    public String publish(Connection connection, String topic, Object payload) throws SQLException {
        return publish(connection, Envelope.of(topic, payload));
    }

    /**
     * Writes {@code envelope} into the outbox on {@code connection}, which must be inside a transaction (auto-commit
     * off): it is published after, and only if, the caller commits.
     *
     * @return the message's id, as its {@value #MESSAGE_ID_HEADER} header will carry it
     * @throws IllegalStateException when the connection is in auto-commit mode (the message would be committed on
     *                               its own, apart from the writes it belongs with)
     * @throws io.courier.CodecException when the codec cannot encode the payload (nothing is written)
     * @throws SQLException          from the database, as the caller's own statements would
     */
    public String publish(Connection connection, Envelope envelope) throws SQLException {
        return publishAll(connection, List.of(envelope)).get(0);
    }

    /**
     * Writes {@code envelopes} into the outbox in one statement batch, in list order (which is the order the relay
     * publishes them in); the same rules as {@link #publish(Connection, Envelope)}.
     *
     * @return the messages' ids, in list order
     */
    public List<String> publishAll(Connection connection, List<Envelope> envelopes) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("the outbox writes inside the caller's transaction, but this connection is "
                    + "in auto-commit mode: call setAutoCommit(false) first and commit after your own writes");
        }
        List<Row> rows = new ArrayList<>(envelopes.size());
        for (Envelope e : envelopes) {
            rows.add(encode(e));   // every payload encoded before anything is written
        }
        List<String> ids = new ArrayList<>(rows.size());
        try (PreparedStatement ps = connection.prepareStatement(insert)) {
            for (Row r : rows) {
                ps.setObject(1, r.id);
                ps.setString(2, r.topic);
                ps.setString(3, r.key);
                Array headers = connection.createArrayOf("text", r.headers);
                ps.setArray(4, headers);
                ps.setBytes(5, r.payload);
                setTime(ps, 6, r.deliverAt);
                setTime(ps, 7, r.eventTime);
                ps.addBatch();
                ids.add(r.id.toString());
            }
            ps.executeBatch();
        }
        return ids;
    }

    /** The PostgreSQL DDL of the outbox table, for a migration tool; {@link #createTable} runs the same. */
    public String schema() {
        return "CREATE TABLE IF NOT EXISTS " + table + " (\n"
                + "  id bigserial PRIMARY KEY,\n"
                + "  message_id uuid NOT NULL,\n"
                + "  topic text NOT NULL,\n"
                + "  message_key text,\n"
                + "  headers text[] NOT NULL,\n"
                + "  payload bytea NOT NULL,\n"
                + "  deliver_at timestamptz,\n"
                + "  event_time timestamptz,\n"
                + "  created_at timestamptz NOT NULL DEFAULT clock_timestamp()\n"
                + ")";
    }

    /** Creates the outbox table when it does not exist yet. */
    public void createTable(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(schema());
        }
    }

    private Row encode(Envelope e) {
        Codec codec = e.codec().map(codecs::byName).orElse(defaultCodec);
        byte[] payload = codec.encode(e.payload());
        UUID id = UUID.randomUUID();
        Headers headers = e.headers();
        if (!(BytesCodec.NAME.equals(codec.name()) && headers.contains(Headers.CONTENT_TYPE))) {
            headers = headers.with(Headers.CONTENT_TYPE, codec.contentType());
        }
        headers = headers.with(MESSAGE_ID_HEADER, id.toString());
        String[] flat = new String[headers.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> h : headers.asMap().entrySet()) {
            flat[i++] = h.getKey();
            flat[i++] = h.getValue();
        }
        Instant deliverAt = e.deliverAt().orElse(null);
        if (e.deliverAfter().isPresent() && !e.deliverAfter().get().isZero()) {
            deliverAt = clock.instant().plus(e.deliverAfter().get());
        }
        return new Row(id, e.topic(), e.key().orElse(null), flat, payload, deliverAt, e.eventTime().orElse(null));
    }

    private static void setTime(PreparedStatement ps, int index, Instant time) throws SQLException {
        if (time == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setTimestamp(index, Timestamp.from(time));
        }
    }

    private record Row(UUID id, String topic, String key, String[] headers, byte[] payload, Instant deliverAt,
                       Instant eventTime) {
    }

    /** Not thread-safe; build once. */
    public static final class Builder {
        private String table = DEFAULT_TABLE;
        private Codecs codecs = Codecs.standard();
        private String defaultCodec = "json";
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The outbox table, a plain identifier optionally after a schema; default {@value Outbox#DEFAULT_TABLE}. */
        public Builder table(String name) {
            this.table = TableName.checked("outbox", name);
            return this;
        }

        /** The codec for envelopes that name none; default {@code json}. */
        public Builder defaultCodec(String name) {
            this.defaultCodec = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where codecs are found; default the ones on Courier's class path ({@link Codecs#standard()}). */
        public Builder codecs(Codecs codecs) {
            this.codecs = Objects.requireNonNull(codecs, "codecs");
            return this;
        }

        /** The clock a {@code deliverAfter} delay is counted from; default UTC system time. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws io.courier.CodecException when the default codec does not exist */
        public Outbox build() {
            return new Outbox(this);
        }
    }
}
