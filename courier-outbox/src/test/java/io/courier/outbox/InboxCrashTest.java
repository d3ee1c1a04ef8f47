package io.courier.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.embedded.ChildJvm;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.Await;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer whose handler writes through an {@link Inbox}, SIGKILLed by itself right after its database commit and
 * before the acknowledgement, again and again over 10,000 messages from a real NATS JetStream: every message's effect
 * exists exactly once, and each message it was killed on came back and was dropped as handled.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class InboxCrashTest {
    private static final int MESSAGES = 10_000;
    private static final int KILLS = 6;

    @Test
    void everyMessagesEffectHappensExactlyOnceThoughTheConsumerDiesBetweenCommitAndAcknowledgement(EmbeddedNats nats)
            throws Exception {
        String topic = "effects-" + System.nanoTime();
        String subscription = "saver";
        String url = nats.url() + "?ackWaitMs=1000";
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        Set<Long> killedOn = ConcurrentHashMap.newKeySet();
        Set<Long> dropped = ConcurrentHashMap.newKeySet();
        try (PostgresSchema db = PostgresSchema.create(); Broker broker = Brokers.open(url)) {
            try (Connection c = db.connect()) {
                Inbox.builder(db.dataSource()).build().createTable(c);
                c.createStatement().execute("CREATE TABLE effects (row_id bigserial PRIMARY KEY, n bigint NOT NULL)");
            }
            int kills = 0;
            boolean published = false;
            for (int run = 0; ; run++) {
                Set<String> ready = ConcurrentHashMap.newKeySet();
                int killAfter = run < KILLS ? 300 + random.nextInt(1_200) : 0;
                try (ChildJvm child = ChildJvm.startWithLines(InboxService.class, List.of("-Xmx256m"),
                        List.of(url, db.url(), topic, subscription, Integer.toString(killAfter)),
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
                    Await.until(Duration.ofSeconds(120), () -> !child.isAlive()
                                    || (count(db, "SELECT count(DISTINCT n) FROM effects") == MESSAGES
                                    && broker.admin().backlog(topic, subscription) == 0),
                            () -> "effects " + count(db, "SELECT count(DISTINCT n) FROM effects") + "\n" + child.tail(30));
                    if (child.isAlive()) {
                        child.stop(Duration.ofSeconds(30));
                        break;
                    }
                    assertThat(child.tail(5)).as("a child that ended by itself killed itself").contains("KILLING");
                    kills++;
                }
            }

            Set<Long> effects = new HashSet<>();
            List<Long> twice = new ArrayList<>();
            try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n FROM effects")) {
                while (rs.next()) {
                    if (!effects.add(rs.getLong(1))) {
                        twice.add(rs.getLong(1));
                    }
                }
            }
            assertThat(twice).as("effects that happened twice").isEmpty();
            assertThat(effects).isEqualTo(LongStream.range(0, MESSAGES).boxed().collect(Collectors.toSet()));
            assertThat(kills).as("kills between commit and acknowledgement").isEqualTo(KILLS);
            assertThat(killedOn).hasSize(KILLS);
            assertThat(dropped).as("each message the consumer died on came back and was dropped").containsAll(killedOn);
            System.out.printf("[inbox/nats] %d messages, the consumer SIGKILLed %d times between its commit and its "
                    + "acknowledgement (seed %d): %d effects, each exactly once; %d redelivered messages dropped as handled%n",
                    MESSAGES, kills, seed, effects.size(), dropped.size());
        }
    }

    private static long count(PostgresSchema db, String sql) {
        try {
            return db.count(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
