package io.courier.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.Message;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.testkit.Await;
import io.courier.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The idempotent consumer on PostgreSQL, fed by {@code memory://}. */
class InboxTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestPostgres db;
    private DataSource dataSource;
    private Inbox inbox;
    private Broker broker;

    @BeforeEach
    void setUp() throws SQLException {
        db = TestPostgres.createSchema("outbox");
        dataSource = DataSources.dataSource(db.url());
        inbox = Inbox.builder(dataSource).build();
        try (Connection c = db.connect()) {
            inbox.createTable(c);
            // no unique key: a second run of a handler shows as a second row
            c.createStatement().execute("CREATE TABLE effects (n serial PRIMARY KEY, payload text, subscription text)");
        }
        broker = Brokers.open("memory://inbox-" + System.nanoTime());
    }

    @AfterEach
    void tearDown() throws SQLException {
        broker.close();
        inbox.close();
        db.close();
    }

    @Test
    void aMessageDeliveredTwiceHasItsEffectOnceAndOtherSubscriptionsStillGetTheirOwn() throws Exception {
        TransactionalHandler<String> save = (c, m) -> insertEffect(c, m.payload(), m.subscription());
        broker.subscribe(SubscribeOptions.builder("orders", "saver").build(), String.class, inbox.handler(save));
        broker.subscribe(SubscribeOptions.builder("orders", "auditor").build(), String.class, inbox.handler(save));
        // what a relay that died before deleting its row sends: the same outbox id twice
        Envelope copy = Envelope.builder("orders", "o-1").header(Outbox.MESSAGE_ID_HEADER, "id-1").build();
        broker.publish(copy);
        broker.publish(copy);
        broker.publish(Envelope.builder("orders", "o-2").header(Outbox.MESSAGE_ID_HEADER, "id-2").build());
        Await.until(WAIT, () -> inbox.duplicates() == 2, () -> "duplicates " + inbox.duplicates());
        Await.until(WAIT, () -> count("SELECT count(*) FROM courier_inbox") == 4, () -> "records");
        assertThat(effects()).containsExactlyInAnyOrder("o-1@saver", "o-2@saver", "o-1@auditor", "o-2@auditor");
    }

    @Test
    void withoutAnOutboxIdTheBrokersMessageIdIsTheKey() throws Exception {
        broker.subscribe(SubscribeOptions.builder("orders", "saver").build(), String.class,
                inbox.handler((c, m) -> insertEffect(c, m.payload(), m.subscription())));
        broker.publish("orders", "same payload");
        broker.publish("orders", "same payload");
        Await.until(WAIT, () -> count("SELECT count(*) FROM effects") == 2, () -> "effects " + count("SELECT count(*) FROM effects"));
        assertThat(inbox.duplicates()).isZero();
    }

    @Test
    void aFailedAttemptRollsBackItsEffectAndItsRecordSoTheRetryRuns() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        broker.subscribe(SubscribeOptions.builder("orders", "saver").retry(RetryPolicy.builder().maxAttempts(3).build()).build(),
                String.class, inbox.handler((c, m) -> {
                    insertEffect(c, m.payload() + "#" + m.attempt(), m.subscription());
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("first attempt fails after writing");
                    }
                }));
        broker.publish(Envelope.builder("orders", "o-1").header(Outbox.MESSAGE_ID_HEADER, "id-1").build());
        Await.until(WAIT, () -> attempts.get() == 2 && count("SELECT count(*) FROM courier_inbox") == 1, () -> "attempts " + attempts);
        assertThat(effects()).containsExactly("o-1#2@saver");
        assertThat(inbox.duplicates()).isZero();
    }

    @Test
    void aBatchHandlerGetsOnlyWhatItHasNotHandledEachOnceInOrder() throws Exception {
        List<List<String>> calls = new CopyOnWriteArrayList<>();
        TransactionalBatchHandler<String> save = (c, fresh) -> {
            List<String> payloads = new ArrayList<>();
            for (Message<String> m : fresh) {
                insertEffect(c, m.payload(), m.subscription());
                payloads.add(m.payload());
            }
            calls.add(payloads);
        };
        // handled before this subscription starts: its record is already there
        try (Connection c = db.connect()) {
            c.createStatement().execute("INSERT INTO courier_inbox (message_key) VALUES ('saver|id-1')");
        }
        broker.subscribeBatch(SubscribeOptions.builder("orders", "saver").batchSize(10).batchWait(Duration.ofMillis(20)).build(),
                String.class, inbox.batchHandler(save));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = "id-" + (i % 25);   // every id twice
            broker.publish(Envelope.builder("orders", "p" + (i % 25)).header(Outbox.MESSAGE_ID_HEADER, id).build());
            if (i < 25 && i != 1) {
                expected.add("p" + i);
            }
        }
        Await.until(WAIT, () -> inbox.duplicates() == 26, () -> "duplicates " + inbox.duplicates());
        List<String> all = calls.stream().flatMap(List::stream).toList();
        assertThat(all).containsExactlyElementsOf(expected);
        assertThat(calls).allMatch(call -> !call.isEmpty());
        assertThat(count("SELECT count(*) FROM effects")).isEqualTo(24);
    }

    @Test
    void purgeKeepsTheNewestRecordsWithinTheCountAndTheAge() throws Exception {
        try (Inbox small = Inbox.builder(dataSource).maxEntries(3).retention(Duration.ofHours(1)).build();
             Connection c = db.connect()) {
            c.createStatement().execute("INSERT INTO courier_inbox (message_key, handled_at) VALUES ('old', now() - interval '2 hours')");
            for (int i = 0; i < 5; i++) {
                c.createStatement().execute("INSERT INTO courier_inbox (message_key) VALUES ('k" + i + "')");
            }
            assertThat(small.purge()).isEqualTo(3);
            assertThat(count("SELECT count(*) FROM courier_inbox WHERE message_key IN ('k2', 'k3', 'k4')")).isEqualTo(3);
            assertThat(count("SELECT count(*) FROM courier_inbox")).isEqualTo(3);
        }
        assertThatThrownBy(() -> Inbox.builder(dataSource).maxEntries(0)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> Inbox.builder(dataSource).retention(Duration.ZERO)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("retention");
        assertThatThrownBy(() -> Inbox.builder(dataSource).table("x y")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("inbox table name 'x y'");
    }

    private static void insertEffect(Connection c, String payload, String subscription) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO effects (payload, subscription) VALUES (?, ?)")) {
            ps.setString(1, payload);
            ps.setString(2, subscription);
            ps.executeUpdate();
        }
    }

    private List<String> effects() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect();
             var rs = c.createStatement().executeQuery("SELECT payload || '@' || subscription FROM effects ORDER BY n")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private long count(String sql) {
        try {
            return db.count(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
