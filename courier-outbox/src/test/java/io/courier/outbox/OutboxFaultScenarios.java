package io.courier.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.embedded.ChildJvm;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.Await;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A service that writes an order and its message through the outbox in one transaction, SIGKILLed again and again at
 * random points while it writes 10,000 orders (a seventh of its transactions rolled back on purpose) and relays them to
 * a real NATS JetStream: every committed order's message arrives, no message arrives without its order, and a key's
 * messages first arrive in the order their rows were written.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class OutboxCrashTest {
    private static final int ORDERS = 10_000;

    @Test
    void everyCommittedRowsMessageIsDeliveredAndNoneWithoutItsRow(EmbeddedNats nats) throws Exception {
        String topic = "orders-" + System.nanoTime();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        ConcurrentHashMap<Long, Integer> received = new ConcurrentHashMap<>();
        List<Long> arrival = new CopyOnWriteArrayList<>();
        try (PostgresSchema db = PostgresSchema.create(); Broker broker = Brokers.open(nats.url())) {
            try (Connection c = db.connect()) {
                Outbox.builder().build().createTable(c);
                c.createStatement().execute("CREATE TABLE orders (id bigserial PRIMARY KEY)");
            }
            Subscription audit = broker.subscribe(SubscribeOptions.builder(topic, "audit").build(), Long.class, m -> {
                if (received.merge(m.payload(), 1, Integer::sum) == 1) {
                    arrival.add(m.payload());
                }
            });
            int kills = 0;
            while (db.count("SELECT count(*) FROM orders") < ORDERS) {
                long killAt = Math.min(ORDERS, db.count("SELECT count(*) FROM orders") + 200 + random.nextInt(1_300));
                Set<String> ready = ConcurrentHashMap.newKeySet();
                try (ChildJvm child = service(nats, db, topic, "write", ready)) {
                    Await.until(Duration.ofSeconds(60), () -> !ready.isEmpty() || !child.isAlive(), () -> "not ready:\n" + child.tail(30));
                    Await.until(Duration.ofSeconds(120), () -> count(db, "SELECT count(*) FROM orders") >= killAt || !child.isAlive(),
                            () -> "orders " + count(db, "SELECT count(*) FROM orders") + ", waiting for " + killAt + "\n" + child.tail(30));
                    if (child.isAlive()) {
                        child.kill();
                        kills++;
                    } else {
                        assertThat(child.exitValue()).as(child.tail(30)).isZero();
                    }
                }
            }
            Set<String> drained = ConcurrentHashMap.newKeySet();
            try (ChildJvm child = service(nats, db, topic, "drain", drained)) {
                assertThat(child.awaitEnd(Duration.ofSeconds(120))).as(child.tail(30)).isZero();
            }
            assertThat(db.count("SELECT count(*) FROM courier_outbox")).isZero();
            Set<Long> committed = ids(db);
            Await.until(Duration.ofSeconds(60), () -> received.keySet().containsAll(committed),
                    () -> "received " + received.size() + " of " + committed.size());
            Await.until(Duration.ofSeconds(30), () -> broker.admin().backlog(topic, "audit") == 0,
                    () -> "backlog " + broker.admin().backlog(topic, "audit"));
            audit.close(Duration.ofSeconds(10));

            assertThat(committed).hasSizeGreaterThanOrEqualTo(ORDERS);
            Set<Long> withoutRow = new HashSet<>(received.keySet());
            withoutRow.removeAll(committed);
            assertThat(withoutRow).as("messages without their order row").isEmpty();
            assertThat(received.keySet()).isEqualTo(committed);
            Map<Long, List<Long>> byKey = new HashMap<>();
            for (long id : arrival) {
                byKey.computeIfAbsent(id % 16, k -> new ArrayList<>()).add(id);
            }
            byKey.values().forEach(ids -> assertThat(ids).isSorted());
            long duplicates = received.values().stream().mapToLong(n -> n - 1).sum();
            long rolledBack = db.count("SELECT max(id) FROM orders") - committed.size();
            assertThat(kills).as("the service was killed while writing").isGreaterThanOrEqualTo(3);
            System.out.printf("[outbox/nats] %d orders committed over %d SIGKILLs of the writing service (seed %d), "
                    + "%d ids rolled back or lost with a kill: every committed order's message delivered, none without "
                    + "its row; %d delivered again by a relay that died before deleting its rows%n",
                    committed.size(), kills, seed, rolledBack, duplicates);
        }
    }

    private static ChildJvm service(EmbeddedNats nats, PostgresSchema db, String topic, String mode, Set<String> ready) {
        return ChildJvm.startWithLines(OutboxService.class, List.of("-Xmx256m"),
                List.of(nats.url(), db.url(), topic, Integer.toString(ORDERS), mode), line -> {
                    if (line.equals("READY")) {
                        ready.add(line);
                    }
                });
    }

    private static Set<Long> ids(PostgresSchema db) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM orders")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static long count(PostgresSchema db, String sql) {
        try {
            return db.count(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
