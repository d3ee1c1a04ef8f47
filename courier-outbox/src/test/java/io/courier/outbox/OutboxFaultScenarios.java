package io.courier.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Message;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.embedded.ChildJvm;
import io.courier.testkit.Await;
import io.courier.testkit.TestPostgres;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The outbox and the inbox under SIGKILL, with PostgreSQL and a real broker; a subclass per backend names the broker.
 * <ul>
 *   <li>A service that writes an order and its message through the outbox in one transaction, on four threads, is
 *   SIGKILLed again and again at random points (a new one every 500 to 2,500 orders) while it writes 10,000 orders (a
 *   seventh of its transactions rolled back on purpose) and relays them: every committed order's message arrives,
 *   none arrives without its order, and a key's messages first arrive in the order their rows were written.</li>
 *   <li>A consumer whose handler writes through an {@link Inbox} SIGKILLs itself right after its database commit and
 *   before the acknowledgement, {@value #KILLS} times over 10,000 messages: every message's effect exists exactly
 *   once, and each message it died on came back and was dropped as handled.</li>
 * </ul>
 */
abstract class OutboxFaultScenarios {
    private static final int ORDERS = 10_000;
    private static final int MESSAGES = 10_000;
    static final int KILLS = 4;

    /** The broker's URL, as the services and the test open it. */
    protected abstract String url();

    /** The backend's name in the printed summaries. */
    protected abstract String backend();

    /**
     * The URL the inbox's consumer uses: where a broker redelivers a dead consumer's messages only after a wait of
     * its own, the wait made short.
     */
    protected String consumerUrl() {
        return url();
    }

    /** The subscription type of the inbox's consumer: one the backend redelivers from promptly after a crash. */
    protected SubscriptionType consumerType() {
        return SubscriptionType.SHARED;
    }

    @Test
    void everyCommittedRowsMessageIsDeliveredAndNoneWithoutItsRow() throws Exception {
        String topic = "orders-" + System.nanoTime();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        ConcurrentHashMap<Long, Integer> received = new ConcurrentHashMap<>();
        List<Message<Long>> firstArrivals = new CopyOnWriteArrayList<>();
        try (TestPostgres db = TestPostgres.createSchema("outbox"); Broker broker = Brokers.open(url())) {
            try (Connection c = db.connect()) {
                Outbox.builder().build().createTable(c);
                c.createStatement().execute("CREATE TABLE orders (id bigserial PRIMARY KEY)");
            }
            Subscription audit = broker.subscribe(SubscribeOptions.builder(topic, "audit").build(), Long.class, m -> {
                if (received.merge(m.payload(), 1, Integer::sum) == 1) {
                    firstArrivals.add(m);
                }
            });
            int kills = 0;
            while (count(db, "SELECT count(*) FROM orders") < ORDERS) {
                long killAt = Math.min(ORDERS, count(db, "SELECT count(*) FROM orders") + 500 + random.nextInt(2_000));
                Set<String> ready = ConcurrentHashMap.newKeySet();
                try (ChildJvm child = service(db, topic, "write", ready)) {
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
            try (ChildJvm child = service(db, topic, "drain", ConcurrentHashMap.newKeySet())) {
                assertThat(child.awaitEnd(Duration.ofSeconds(120))).as(child.tail(30)).isZero();
            }
            assertThat(db.count("SELECT count(*) FROM courier_outbox")).isZero();
            Set<Long> committed = ids(db, "SELECT id FROM orders");
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
            Map<String, List<Long>> byKey = new HashMap<>();
            for (Message<Long> m : firstArrivals) {
                byKey.computeIfAbsent(m.key().orElseThrow(), k -> new ArrayList<>()).add(m.payload());
            }
            byKey.forEach((key, ids) -> assertThat(ids).as("first arrivals of key " + key).isSorted());
            long duplicates = received.values().stream().mapToLong(n -> n - 1).sum();
            long notCommitted = db.count("SELECT max(id) FROM orders") - committed.size();
            assertThat(kills).as("the service was killed while writing").isGreaterThanOrEqualTo(3);
            System.out.printf("[outbox/%s] %,d orders committed over %d SIGKILLs of the writing service (seed %d), "
                    + "%,d ids rolled back or lost with a kill: every committed order's message delivered, none without "
                    + "its row, each key's in write order; %d delivered again by a relay that died before deleting its "
                    + "rows%n", backend(), committed.size(), kills, seed, notCommitted, duplicates);
        }
    }

    @Test
    void everyMessagesEffectHappensExactlyOnceThoughTheConsumerDiesBetweenCommitAndAcknowledgement() throws Exception {
        String topic = "effects-" + System.nanoTime();
        String subscription = "saver";
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Set<Long> killedOn = ConcurrentHashMap.newKeySet();
        Set<Long> dropped = ConcurrentHashMap.newKeySet();
        try (TestPostgres db = TestPostgres.createSchema("outbox"); Broker broker = Brokers.open(url())) {
            try (Connection c = db.connect()) {
                Inbox.builder(DataSources.dataSource(db.url())).build().createTable(c);
                c.createStatement().execute("CREATE TABLE effects (row_id bigserial PRIMARY KEY, n bigint NOT NULL)");
            }
            int kills = 0;
            boolean published = false;
            for (int run = 0; ; run++) {
                Set<String> ready = ConcurrentHashMap.newKeySet();
                int killAfter = run < KILLS ? 300 + random.nextInt(1_500) : 0;
                try (ChildJvm child = ChildJvm.startWithLines(InboxService.class, List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                        List.of(consumerUrl(), db.url(), topic, subscription, Integer.toString(killAfter), consumerType().name()),
                        line -> {
                            if (line.equals("READY")) {
                                ready.add(line);
                            } else if (line.startsWith("KILLING ")) {
                                killedOn.add(Long.parseLong(line.substring(8)));
                            } else if (line.startsWith("DUPLICATE ")) {
                                dropped.add(Long.parseLong(line.substring(10)));
                            }
                        })) {
                    Await.until(Duration.ofSeconds(60), () -> !ready.isEmpty() || !child.isAlive(), () -> "not ready:\n" + child.tail(30));
                    if (!published) {   // once the subscription exists
                        List<CompletableFuture<?>> sent = new ArrayList<>();
                        for (long n = 0; n < MESSAGES; n++) {
                            sent.add(broker.publishAsync(topic, n));
                        }
                        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
                        published = true;
                    }
                    Await.until(Duration.ofSeconds(180), () -> !child.isAlive()
                                    || (count(db, "SELECT count(DISTINCT n) FROM effects") == MESSAGES
                                    && broker.admin().backlog(topic, subscription) == 0),
                            () -> "effects " + count(db, "SELECT count(DISTINCT n) FROM effects") + "\n" + child.tail(30));
                    if (child.isAlive()) {
                        child.stop(Duration.ofSeconds(30));
                        break;
                    }
                    assertThat(child.tail(5)).as("a child that ended by itself killed itself; its output:\n" + child.tail(40)).contains("KILLING");
                    kills++;
                }
            }

            List<Long> all = new ArrayList<>();
            try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n FROM effects")) {
                while (rs.next()) {
                    all.add(rs.getLong(1));
                }
            }
            Set<Long> effects = new HashSet<>(all);
            assertThat(all.size() - effects.size()).as("effects that happened twice").isZero();
            assertThat(effects).isEqualTo(LongStream.range(0, MESSAGES).boxed().collect(Collectors.toSet()));
            assertThat(kills).as("kills between commit and acknowledgement").isEqualTo(KILLS);
            assertThat(killedOn).hasSize(KILLS);
            assertThat(dropped).as("each message the consumer died on came back and was dropped").containsAll(killedOn);
            System.out.printf("[inbox/%s] %,d messages, the consumer SIGKILLed %d times between its commit and its "
                    + "acknowledgement (seed %d): %,d effects, each exactly once; %,d redelivered messages dropped as "
                    + "handled%n", backend(), MESSAGES, kills, seed, effects.size(), dropped.size());
        }
    }

    private ChildJvm service(TestPostgres db, String topic, String mode, Set<String> ready) {
        return ChildJvm.startWithLines(OutboxService.class, List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                List.of(url(), db.url(), topic, Integer.toString(ORDERS), mode), line -> {
                    if (line.equals("READY")) {
                        ready.add(line);
                    }
                });
    }

    private static Set<Long> ids(TestPostgres db, String sql) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static long count(TestPostgres db, String sql) {
        try {
            return db.count(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
