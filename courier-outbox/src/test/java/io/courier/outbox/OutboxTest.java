package io.courier.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.CodecException;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.LifecycleException;
import io.courier.Message;
import io.courier.SubscribeOptions;
import io.courier.core.App;
import io.courier.core.ServerState;
import io.courier.testkit.Await;
import io.courier.testkit.TestPostgres;
import io.courier.testkit.Recorder;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox and its relay on PostgreSQL, publishing to {@code memory://}. */
class OutboxTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    record Order(String id, int amount) {
    }

    private TestPostgres db;
    private DataSource dataSource;
    private Outbox outbox;
    private Broker broker;

    @BeforeEach
    void setUp() throws SQLException {
        db = TestPostgres.createSchema("outbox");
        dataSource = DataSources.dataSource(db.url());
        outbox = Outbox.builder().build();
        try (Connection c = db.connect()) {
            outbox.createTable(c);
            c.createStatement().execute("CREATE TABLE orders (id text PRIMARY KEY, amount int)");
        }
        broker = Brokers.open("memory://outbox-" + System.nanoTime());
    }

    @AfterEach
    void tearDown() throws SQLException {
        broker.close();
        db.close();
    }

    @Test
    void aCommittedMessageIsPublishedWithItsKeyHeadersAndIdAndDecodesAsItsType() throws Exception {
        Recorder<Order> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), Order.class, got);
        String id;
        try (Connection c = transaction()) {
            c.createStatement().execute("INSERT INTO orders VALUES ('o-1', 42)");
            id = outbox.publish(c, Envelope.builder("orders", new Order("o-1", 42)).key("o-1").header("tenant", "t1").build());
            c.commit();
        }
        try (OutboxRelay relay = OutboxRelay.builder(dataSource, broker).build().start()) {
            got.awaitCount(1, WAIT);
            Message<Order> m = got.messages().get(0);
            assertThat(m.payload()).isEqualTo(new Order("o-1", 42));
            assertThat(m.key()).contains("o-1");
            assertThat(m.headers().get("tenant")).isEqualTo("t1");
            assertThat(m.headers().get(Outbox.MESSAGE_ID_HEADER)).isEqualTo(id);
            assertThat(m.headers().get(Headers.CONTENT_TYPE)).isEqualTo("application/json");
            Await.until(WAIT, () -> relay.published() == 1, () -> "published " + relay.published());
            assertThat(db.count("SELECT count(*) FROM courier_outbox")).isZero();
            assertThat(relay.lag()).isEqualTo(new OutboxRelay.Lag(0, Duration.ZERO));
        }
    }

    @Test
    void aRolledBackTransactionPublishesNothing() throws Exception {
        Recorder<String> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, got);
        try (Connection c = transaction()) {
            outbox.publish(c, "orders", "rolled back");
            c.rollback();
            outbox.publish(c, "orders", "committed");
            c.commit();
        }
        try (OutboxRelay relay = OutboxRelay.builder(dataSource, broker).build().start()) {
            got.awaitCount(1, WAIT);
            Await.until(WAIT, () -> relay.published() == 1, () -> "published " + relay.published());
            // the relay publishes in row order and the table is empty: nothing else can still come
            assertThat(db.count("SELECT count(*) FROM courier_outbox")).isZero();
            assertThat(got.payloads()).containsExactly("committed");
        }
    }

    @Test
    void messagesOfAKeyArePublishedInTheOrderTheirRowsWereWritten() throws Exception {
        Recorder<Integer> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("counts", "audit").build(), Integer.class, got);
        Map<String, List<Integer>> written = new LinkedHashMap<>();
        int n = 0;
        for (int tx = 0; tx < 20; tx++) {
            try (Connection c = transaction()) {
                List<Envelope> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++, n++) {
                    String key = "k" + (n % 10);
                    written.computeIfAbsent(key, k -> new ArrayList<>()).add(n);
                    batch.add(Envelope.builder("counts", n).key(key).build());
                }
                outbox.publishAll(c, batch);
                c.commit();
            }
        }
        try (OutboxRelay relay = OutboxRelay.builder(dataSource, broker).batchSize(64).build().start()) {
            got.awaitCount(2_000, WAIT);
            Map<String, List<Integer>> received = got.messages().stream().collect(Collectors.groupingBy(
                    m -> m.key().orElseThrow(), LinkedHashMap::new, Collectors.mapping(Message::payload, Collectors.toList())));
            assertThat(received).isEqualTo(written);
            assertThat(got.duplicates()).isZero();
        }
    }

    @Test
    void oneRelayPublishesAtATimeAndAStandbyTakesOverWhenItStops() throws Exception {
        Recorder<String> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, got);
        try (OutboxRelay first = OutboxRelay.builder(dataSource, broker).build().start();
             OutboxRelay second = OutboxRelay.builder(dataSource, broker).pollInterval(Duration.ofMillis(10)).build()) {
            Await.until(WAIT, first::isActive, () -> "the first relay never became active: " + first.lastError());
            second.start();
            commit("before");
            got.awaitCount(1, WAIT);
            Await.until(WAIT, () -> first.published() == 1, () -> "first published " + first.published());
            assertThat(second.isActive()).isFalse();
            first.close();
            assertThat(first.isActive()).isFalse();
            Await.until(WAIT, second::isActive, () -> "the standby relay did not take over: " + second.lastError());
            commit("after");
            got.awaitCount(2, WAIT);
            assertThat(got.payloads()).containsExactly("before", "after");
            Await.until(WAIT, () -> second.published() == 1, () -> "second published " + second.published());
        }
    }

    @Test
    void aRelayOnAPoolGivesTheLockUpWhenItStopsThoughItsConnectionLivesOnInThePool() throws Exception {
        Recorder<String> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, got);
        try (HikariDataSource pool = DataSources.pool(db.url(), 1)) {
            try (OutboxRelay first = OutboxRelay.builder(pool, broker).build().start()) {
                Await.until(WAIT, first::isActive, () -> "the first relay never became active: " + first.lastError());
            }
            // the pool's single connection is the one the first relay locked with
            try (OutboxRelay second = OutboxRelay.builder(dataSource, broker).build().start()) {
                Await.until(WAIT, second::isActive, () -> "the lock stayed with the pooled connection: " + second.lastError());
                commit("after");
                got.awaitCount(1, WAIT);
                assertThat(got.payloads()).containsExactly("after");
            }
        }
    }

    @Test
    void anAppStartsTheRelayWithTheServiceAndItsStopHandsTheTableToAStandby() throws Exception {
        Recorder<String> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, got);
        OutboxRelay relay = OutboxRelay.builder(dataSource, broker).build();
        App app = App.builder().name("orders").server(relay.asServer()).handleSignals(false).build();
        app.start();
        assertThat(relay.asServer().state()).isEqualTo(ServerState.RUNNING);
        Await.until(WAIT, relay::isActive, () -> "the relay did not become active: " + relay.lastError());
        commit("while the app runs");
        got.awaitCount(1, WAIT);
        app.stop();
        assertThat(relay.isActive()).isFalse();
        assertThat(relay.asServer().state()).isEqualTo(ServerState.STOPPED);
        assertThatThrownBy(relay::start).isInstanceOf(LifecycleException.class);
        try (OutboxRelay standby = OutboxRelay.builder(dataSource, broker).build().start()) {
            Await.until(WAIT, standby::isActive, () -> "the lock stayed with the stopped app's relay: " + standby.lastError());
            commit("after the app stopped");
            got.awaitCount(2, WAIT);
            assertThat(got.payloads()).containsExactly("while the app runs", "after the app stopped");
        }
    }

    @Test
    void rowsWaitInTheTableWhileTheBrokerIsDownAndGoOutInOrderOnceAGoodRelayRuns() throws Exception {
        Broker down = Brokers.open("memory://down-" + System.nanoTime());
        down.close();
        commit("one");
        commit("two");
        try (OutboxRelay failing = OutboxRelay.builder(dataSource, down).retryBackoff(Duration.ofMillis(50)).build().start()) {
            Await.until(WAIT, () -> failing.lastError().isPresent(), () -> "no failure reported");
            assertThat(failing.lastError().orElseThrow()).contains("publish of row").contains("'orders'");
            assertThat(failing.published()).isZero();
            OutboxRelay.Lag lag = failing.lag();
            assertThat(lag.pending()).isEqualTo(2);
            assertThat(lag.oldest()).isPositive();
        }
        Recorder<String> got = new Recorder<>();
        broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, got);
        try (OutboxRelay relay = OutboxRelay.builder(dataSource, broker).build().start()) {
            got.awaitCount(2, WAIT);
            assertThat(got.payloads()).containsExactly("one", "two");
            Await.until(WAIT, () -> relay.lastError().isEmpty() && relay.published() == 2, () -> "published " + relay.published());
        }
    }

    @Test
    void wrongUseIsRefusedWithAClearErrorAndWritesNothing() throws Exception {
        try (Connection c = db.connect()) {
            assertThatThrownBy(() -> outbox.publish(c, "orders", "x"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("auto-commit");
        }
        try (Connection c = transaction()) {
            Object notJson = new Object() {
                @SuppressWarnings("unused")
                public Object getSelf() {
                    return this;
                }
            };
            assertThatThrownBy(() -> outbox.publishAll(c, List.of(Envelope.of("orders", "fine"), Envelope.of("orders", notJson))))
                    .isInstanceOf(CodecException.class);
            assertThatThrownBy(() -> outbox.publish(c, Envelope.builder("orders", "x").codec("avro").build()))
                    .isInstanceOf(CodecException.class).hasMessageContaining("unknown codec 'avro'");
            c.commit();
        }
        assertThat(db.count("SELECT count(*) FROM courier_outbox")).isZero();
        assertThatThrownBy(() -> Outbox.builder().table("orders; DROP TABLE orders"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not a plain SQL identifier");
        assertThatThrownBy(() -> OutboxRelay.builder(dataSource, broker).batchSize(0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> OutboxRelay.builder(dataSource, broker).pollInterval(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("pollInterval");
        try (OutboxRelay relay = OutboxRelay.builder(dataSource, broker).build().start()) {
            assertThatThrownBy(relay::start).isInstanceOf(LifecycleException.class);
        }
    }

    private void commit(String payload) throws SQLException {
        try (Connection c = transaction()) {
            outbox.publish(c, "orders", payload);
            c.commit();
        }
    }

    private Connection transaction() throws SQLException {
        Connection c = db.connect();
        c.setAutoCommit(false);
        return c;
    }
}
