package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.SubscribeOptions;
import io.courier.outbox.Inbox;
import io.courier.outbox.Outbox;
import io.courier.outbox.OutboxRelay;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class ConsumerTest {
    record Order(String id, int quantity) {
    }

    private static final String BASE = "jdbc:postgresql://127.0.0.1:5432/test";

    @Test
    void anOrderWrittenWithItsMessageIsHandledOnce() throws Exception {
        String schema = "consumer_outbox_" + System.nanoTime();
        try (Connection admin = DriverManager.getConnection(BASE, "postgres", ""); Statement s = admin.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if (!"true".equals(System.getenv("CI"))) {
                assumeTrue(false, "PostgreSQL not reachable at " + BASE + ": " + e.getMessage());
            }
            throw e;
        }
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setURL(BASE + "?currentSchema=" + schema);
        db.setUser("postgres");
        Outbox outbox = Outbox.builder().build();
        try (Broker broker = Brokers.open("memory://consumer-outbox"); Inbox inbox = Inbox.builder(db).build()) {
            try (Connection c = db.getConnection()) {
                outbox.createTable(c);
                inbox.createTable(c);
                c.createStatement().execute("CREATE TABLE orders (id text PRIMARY KEY, quantity int)");
            }
            BlockingQueue<Order> got = new ArrayBlockingQueue<>(4);
            broker.subscribe(SubscribeOptions.builder("orders", "billing").build(), Order.class,
                    inbox.handler((connection, m) -> got.add(m.payload())));
            try (OutboxRelay relay = OutboxRelay.builder(db, broker).build().start(); Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                c.createStatement().execute("INSERT INTO orders VALUES ('o-1', 2)");
                outbox.publish(c, Envelope.builder("orders", new Order("o-1", 2)).key("o-1").build());
                c.commit();
                assertEquals(new Order("o-1", 2), got.poll(30, TimeUnit.SECONDS));
            }
        } finally {
            try (Connection admin = DriverManager.getConnection(BASE, "postgres", ""); Statement s = admin.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
