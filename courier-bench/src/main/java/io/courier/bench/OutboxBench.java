package io.courier.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.courier.BatchHandler;
import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.outbox.Inbox;
import io.courier.outbox.Outbox;
import io.courier.outbox.OutboxRelay;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code courier-outbox} on PostgreSQL ({@code 127.0.0.1:5432/test}, a schema of its own) and a private NATS server,
 * each figure against a baseline measured in the same round with the same broker, codec and payload:
 * <ul>
 *   <li>relay throughput: {@code n} committed outbox rows published and deleted by one {@link OutboxRelay}, against the
 *   same {@code n} messages published directly with {@code publishAsync} (the rows are written before the clock
 *   starts);</li>
 *   <li>latency at a fixed rate: a writer commits one row of its own per message on a fixed schedule, its message
 *   either through the outbox or published right after the commit; from the commit's return to the message's arrival
 *   at a subscriber;</li>
 *   <li>the idempotent consumer: {@code n} messages saved by a batch handler (500 per batch, one transaction each) as
 *   the example's saver does it (rows keyed by message id, {@code ON CONFLICT DO NOTHING}), against the same through
 *   {@link Inbox#batchHandler} (plain rows, the ids recorded by the inbox).</li>
 * </ul>
 * Tables go to {@link Fragments} section {@code outbox}.
 */
final class OutboxBench {
    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final byte[] PAYLOAD = new byte[100];
    private static final int RATE = 2_000;
    private static final int RATE_SECONDS = 10;
    private static final int SAVER_BATCH = 500;
    private static final Duration WAIT = Duration.ofMinutes(2);

    private OutboxBench() {
    }

    static void run(int n, int rounds) throws Exception {
        PipelineBench.quietLogs();
        String schema = "bench_outbox_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection admin = DriverManager.getConnection(POSTGRES, "postgres", ""); Statement s = admin.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try (EmbeddedNats nats = EmbeddedNats.builder().build().start();
             HikariDataSource db = pool(POSTGRES + "?currentSchema=" + schema);
             Broker broker = Brokers.open(nats.url())) {
            System.out.printf("outbox benchmark: PostgreSQL schema %s, private NATS %s; %,d messages x %d rounds%n",
                    schema, EmbeddedNats.version(), n, rounds);
            Outbox outbox = Outbox.builder().build();
            try (Inbox inbox = Inbox.builder(db).build(); Connection c = db.getConnection(); Statement s = c.createStatement()) {
                outbox.createTable(c);
                inbox.createTable(c);
                s.execute("CREATE TABLE events (n bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE TABLE saved_keyed (message_id text PRIMARY KEY, payload bytea NOT NULL)");
                s.execute("CREATE TABLE saved_plain (payload bytea NOT NULL)");   // no key of its own: the inbox dedupes
                new OutboxBench.Runs(db, broker, outbox, inbox).all(n, rounds);
            }
        } finally {
            try (Connection admin = DriverManager.getConnection(POSTGRES, "postgres", ""); Statement s = admin.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    private record Runs(HikariDataSource db, Broker broker, Outbox outbox, Inbox inbox) {

        void all(int n, int rounds) throws Exception {
            Results results = new Results();
            List<double[]> outboxLatency = new ArrayList<>();
            List<double[]> directLatency = new ArrayList<>();
            relay(n / 4);   // unrecorded: class loading and JIT outside the rounds
            direct(n / 4);
            saveKeyed(n / 4);
            saveThroughInbox(n / 4);
            latency(true, RATE, 2);
            latency(false, RATE, 2);
            for (int r = 1; r <= rounds; r++) {
                boolean outboxFirst = r % 2 == 1;
                int round = r;
                inTurn(outboxFirst, () -> results.record("outbox relay (batches of 500)", round, relay(n)),
                        () -> results.record("direct publishAsync", round, direct(n)));
                results.ratio(r, "outbox relay (batches of 500)", "direct publishAsync");
                inTurn(outboxFirst, () -> results.record("saver through an Inbox", round, saveThroughInbox(n)),
                        () -> results.record("saver keyed by message id (the example's)", round, saveKeyed(n)));
                results.ratio(r, "saver through an Inbox", "saver keyed by message id (the example's)");
                inTurn(outboxFirst, () -> outboxLatency.add(latency(true, RATE, RATE_SECONDS)),
                        () -> directLatency.add(latency(false, RATE, RATE_SECONDS)));
                System.out.printf(Locale.ROOT, "round %d  commit -> arrival at %,d/s: outbox p50 %.2f ms p99 %.2f ms; "
                                + "publish after commit p50 %.2f ms p99 %.2f ms%n", r, RATE, outboxLatency.get(r - 1)[0],
                        outboxLatency.get(r - 1)[1], directLatency.get(r - 1)[0], directLatency.get(r - 1)[1]);
            }
            StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%,d messages of 100 B per throughput run, "
                    + "%d rounds; PostgreSQL %s on this machine, private NATS %s; %d cores, Java %s, %s.%n%n", n, rounds,
                    postgresVersion(), EmbeddedNats.version(), Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), java.time.LocalDate.now()));
            t.append(results.table());
            t.append(String.format(Locale.ROOT, "%nA writer committing one row of its own per message at a fixed %,d/s for "
                    + "%d s per run (%d runs per side); from the commit's return to the message's arrival at a "
                    + "subscriber; medians of the runs' percentiles.%n%n", RATE, RATE_SECONDS, rounds));
            t.append("| message | p50 ms | p99 ms | p99.9 ms |\n|---|---|---|---|\n");
            t.append(latencyRow("through the outbox (relay polling every 20 ms when idle)", outboxLatency));
            t.append(latencyRow("published right after the commit", directLatency));
            System.out.println();
            System.out.println(t);
            Fragments.section("outbox", t.toString());
            Fragments.figures("outbox", List.of(
                    Fragments.row("Outbox relay from PostgreSQL to NATS, relay / direct `publishAsync`",
                            String.format(Locale.ROOT, "%s msg/s; ratio %s",
                                    results.summary("outbox relay (batches of 500)", "%,.0f"),
                                    results.ratioSummary("outbox relay (batches of 500)", "direct publishAsync")),
                            "batches of 500, rows written before the clock starts; " + n + " messages of 100 B"),
                    Fragments.row(String.format(Locale.ROOT, "Outbox at %,d/s, commit to arrival p99: outbox / publish after commit", RATE),
                            String.format(Locale.ROOT, "%.1f ms / %.1f ms", NatsRequestBench.median(outboxLatency, 1),
                                    NatsRequestBench.median(directLatency, 1)), "one row and one message per transaction"),
                    Fragments.row("Saver through an `Inbox` / keyed by message id",
                            results.ratioSummary("saver through an Inbox", "saver keyed by message id (the example's)"),
                            "NATS, batches of 500, one transaction each, PostgreSQL")));
        }

        /** Runs the outbox side and its baseline, the outbox side first when {@code outboxFirst} (alternating rounds). */
        private static void inTurn(boolean outboxFirst, Step outbox, Step baseline) throws Exception {
            if (outboxFirst) {
                outbox.run();
                baseline.run();
            } else {
                baseline.run();
                outbox.run();
            }
        }

        /** Writes {@code n} rows, then times one relay publishing and deleting them all. */
        double relay(int n) throws Exception {
            String topic = topic("relay");
            fillOutbox(topic, n);
            try (OutboxRelay relay = OutboxRelay.builder(db, broker).build()) {
                long start = System.nanoTime();
                relay.start();
                await(() -> relay.published() >= n, () -> "relay published " + relay.published() + " of " + n
                        + ", last error " + relay.lastError());
                return Results.rate(n, start);
            }
        }

        /** The same messages as the relay's, published directly. */
        double direct(int n) {
            String topic = topic("direct");
            List<Envelope> envelopes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                envelopes.add(Envelope.builder(topic, PAYLOAD).codec("bytes").key("k" + (i % 64))
                        .header("content-type", "application/octet-stream")
                        .header(Outbox.MESSAGE_ID_HEADER, UUID.randomUUID().toString()).build());
            }
            long start = System.nanoTime();
            List<CompletableFuture<?>> sent = new ArrayList<>(n);
            for (Envelope e : envelopes) {
                sent.add(broker.publishAsync(e));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            return Results.rate(n, start);
        }

        private void fillOutbox(String topic, int n) throws SQLException {
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                for (int from = 0; from < n; from += 1_000) {
                    List<Envelope> batch = new ArrayList<>();
                    for (int i = from; i < Math.min(n, from + 1_000); i++) {
                        batch.add(Envelope.builder(topic, PAYLOAD).codec("bytes").key("k" + (i % 64)).build());
                    }
                    outbox.publishAll(c, batch);
                    c.commit();
                }
            }
        }

        /** Latency in ms (p50, p99, p99.9) from each commit's return to its message's arrival. */
        double[] latency(boolean throughOutbox, int rate, int seconds) throws Exception {
            String topic = topic(throughOutbox ? "outbox-latency" : "direct-latency");
            int count = rate * seconds;
            ConcurrentHashMap<String, Long> committed = new ConcurrentHashMap<>();
            ConcurrentHashMap<String, Long> arrived = new ConcurrentHashMap<>();
            Subscription s = broker.subscribe(SubscribeOptions.builder(topic, "latency").build(), byte[].class,
                    m -> arrived.put(m.headers().get(Outbox.MESSAGE_ID_HEADER), System.nanoTime()));
            // the subscription's consumer is pulling before the clock starts: a probe message has come through
            broker.publish(Envelope.builder(topic, PAYLOAD).codec("bytes").header(Outbox.MESSAGE_ID_HEADER, "probe").build());
            await(() -> arrived.containsKey("probe"), () -> "the probe message did not arrive");
            OutboxRelay relay = throughOutbox ? OutboxRelay.builder(db, broker).build().start() : null;
            if (relay != null) {
                await(relay::isActive, () -> "relay not active: " + relay.lastError());
            }
            try (Connection c = db.getConnection(); PreparedStatement insert = c.prepareStatement("INSERT INTO events DEFAULT VALUES")) {
                c.setAutoCommit(false);
                FixedRate.run(rate, count, (index, due) -> {
                    try {
                        insert.executeUpdate();
                        String id;
                        if (throughOutbox) {
                            id = outbox.publish(c, Envelope.builder(topic, PAYLOAD).codec("bytes").build());
                            c.commit();
                            committed.put(id, System.nanoTime());
                        } else {
                            c.commit();
                            id = UUID.randomUUID().toString();
                            committed.put(id, System.nanoTime());
                            broker.publish(Envelope.builder(topic, PAYLOAD).codec("bytes")
                                    .header(Outbox.MESSAGE_ID_HEADER, id).build());
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await(() -> arrived.size() >= count, () -> "arrived " + arrived.size() + " of " + count);
            } finally {
                if (relay != null) {
                    relay.close();
                }
                s.close(Duration.ofSeconds(10));
            }
            Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            committed.forEach((id, at) -> h.recordValue(Math.max(0, Math.min(h.getHighestTrackableValue(),
                    (arrived.get(id) - at) / 1_000))));
            return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0};
        }

        /** The example saver's way: rows keyed by message id, a second copy ignored by the insert itself. */
        double saveKeyed(int n) throws Exception {
            return save(n, batch -> {
                try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO saved_keyed "
                        + "(message_id, payload) SELECT * FROM unnest(?::text[], ?::bytea[]) ON CONFLICT (message_id) DO NOTHING")) {
                    c.setAutoCommit(false);
                    String[] ids = new String[batch.size()];
                    byte[][] payloads = new byte[batch.size()][];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = batch.get(i).id().value();
                        payloads[i] = batch.get(i).payload();
                    }
                    ps.setArray(1, c.createArrayOf("text", ids));
                    ps.setObject(2, payloads);
                    ps.executeUpdate();
                    c.commit();
                }
            });
        }

        /** The same rows without a key of their own, the ids recorded by the inbox in the same transaction. */
        double saveThroughInbox(int n) throws Exception {
            return save(n, inbox.batchHandler((c, fresh) -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO saved_plain (payload) SELECT * FROM unnest(?::bytea[])")) {
                    byte[][] payloads = new byte[fresh.size()][];
                    for (int i = 0; i < payloads.length; i++) {
                        payloads[i] = fresh.get(i).payload();
                    }
                    ps.setObject(1, payloads);
                    ps.executeUpdate();
                }
            }));
        }

        /** Publishes {@code n} messages, then times a batch subscription saving them all. */
        private double save(int n, BatchHandler<byte[]> saver) throws Exception {
            String topic = topic("save");
            List<CompletableFuture<?>> sent = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                sent.add(broker.publishAsync(Envelope.builder(topic, PAYLOAD).codec("bytes").build()));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            AtomicInteger saved = new AtomicInteger();
            long start = System.nanoTime();
            Subscription s = broker.subscribeBatch(SubscribeOptions.builder(topic, "saver").initialPosition(InitialPosition.EARLIEST).batchSize(SAVER_BATCH)
                    .batchWait(Duration.ofMillis(20)).maxInFlight(SAVER_BATCH * 2).build(), byte[].class, batch -> {
                        saver.handle(batch);
                        saved.addAndGet(batch.size());
                    });
            try {
                await(() -> saved.get() >= n, () -> "saved " + saved.get() + " of " + n);
                return Results.rate(n, start);
            } finally {
                s.close(Duration.ofSeconds(10));
            }
        }

        private String postgresVersion() throws SQLException {
            try (Connection c = db.getConnection(); Statement s = c.createStatement();
                 var rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                return rs.getString(1).split(" ")[0];
            }
        }
    }

    /** One measured run. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static String topic(String what) {
        return "bench-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void await(java.util.function.BooleanSupplier done, java.util.function.Supplier<String> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not done within " + WAIT + ": " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static String latencyRow(String name, List<double[]> runs) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", name, NatsRequestBench.median(runs, 0),
                NatsRequestBench.median(runs, 1), NatsRequestBench.median(runs, 2));
    }
}
