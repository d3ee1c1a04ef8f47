package io.courier.outbox;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.testkit.Await;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * The service {@link OutboxFaultScenarios} SIGKILLs, in a child JVM: it runs an {@link OutboxRelay} and, in
 * {@code write} mode, {@value #WRITERS} writer threads, each doing one operation after another: a transaction that
 * inserts an order and writes its message through the {@link Outbox} (every seventh one rolled back instead of
 * committed), until the table holds {@code target} orders. A message's key is its writer's (writer {@code w},
 * customer {@code id % 4}), so each key's rows are written by one thread, one transaction after the other. In
 * {@code drain} mode it only relays, and exits once the outbox is empty. Arguments:
 * {@code brokerUrl jdbcUrl topic target write|drain}. Prints {@code READY} once the relay is active.
 */
public final class OutboxService {
    static final int WRITERS = 4;

    private OutboxService() {
    }

    public static void main(String[] args) throws Exception {
        String topic = args[2];
        long target = Long.parseLong(args[3]);
        boolean write = args[4].equals("write");
        DataSource dataSource = DataSources.pool(args[1], WRITERS + 2);
        Outbox outbox = Outbox.builder().build();
        try (Broker broker = Brokers.open(args[0]);
             OutboxRelay relay = OutboxRelay.builder(dataSource, broker).retryBackoff(Duration.ofMillis(100)).build().start()) {
            // the killed predecessor's lock goes when PostgreSQL sees its connection end
            Await.until(Duration.ofSeconds(60), relay::isActive, () -> "relay not active: " + relay.lastError());
            System.out.println("READY");
            if (write) {
                AtomicReference<Throwable> failed = new AtomicReference<>();
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    Thread t = new Thread(() -> {
                        try {
                            write(dataSource, outbox, topic, target, writer);
                        } catch (Throwable e) {
                            failed.set(e);
                        }
                    }, "writer-" + w);
                    t.start();
                    writers.add(t);
                }
                for (Thread t : writers) {
                    t.join();
                }
                if (failed.get() != null) {
                    throw new IllegalStateException("a writer failed", failed.get());
                }
                System.out.println("WRITTEN");
            }
            Await.until(Duration.ofSeconds(60), () -> pending(relay) == 0, () -> "outbox not drained: " + relay.lastError());
            System.out.println("DRAINED " + relay.published());
        }
    }

    private static void write(DataSource dataSource, Outbox outbox, String topic, long target, int writer) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            for (long op = 0; ; op++) {
                if (op % 50 == 0 && count(c) >= target) {
                    return;
                }
                long id;
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("INSERT INTO orders DEFAULT VALUES RETURNING id")) {
                    rs.next();
                    id = rs.getLong(1);
                }
                outbox.publish(c, Envelope.builder(topic, id).key("writer-" + writer + "-customer-" + (id % 4)).build());
                if (op % 7 == 6) {
                    c.rollback();
                } else {
                    c.commit();
                }
            }
        }
    }

    private static long pending(OutboxRelay relay) {
        try {
            return relay.lag().pending();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            long n = rs.getLong(1);
            c.commit();
            return n;
        }
    }
}
