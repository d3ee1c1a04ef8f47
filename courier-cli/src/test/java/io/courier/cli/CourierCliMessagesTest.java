package io.courier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code courier publish}, {@code consume} and {@code backlog} against a real embedded Pulsar, as a user types them. */
class CourierCliMessagesTest {
    private static EmbeddedPulsar pulsar;

    @BeforeAll
    static void start() {
        pulsar = EmbeddedPulsar.builder().build().start();
    }

    @AfterAll
    static void stop() {
        pulsar.close();
    }

    private record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.strip().lines().toList();
        }
    }

    private static Result courier(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CourierCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void publishedMessagesAreCountedInTheBacklogAndPrintedInOrderByConsume() throws Exception {
        String topic = "cli-" + UUID.randomUUID();
        String url = pulsar.serviceUrl();
        String admin = "adminUrl=" + pulsar.httpUrl();
        // a subscription that exists before the messages, so that the backlog counts them
        try (Broker b = Brokers.open(url, BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            b.subscribe(SubscribeOptions.builder(topic, "audit").initialPosition(InitialPosition.EARLIEST).build(),
                    byte[].class, m -> { }).close();
        }

        Result json = courier("publish", url, topic, "{\"a\":1}", "{\"b\": [2, 3]}", "-k", "user-1", "-H", "source=cli");
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.lines()).hasSize(2);
        Result text = courier("publish", url, topic, "--format", "text", "hello world");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.lines()).hasSize(1);

        // not JSON: refused before anything is sent, in one line
        Result bad = courier("publish", url, topic, "{\"ok\":true}", "{not json");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("courier: message 2 is not JSON (use --format text for plain text)")
                .doesNotContain("\tat ");
        assertThat(bad.out()).isEmpty();

        Result backlog = courier("backlog", url, topic, "audit", "-o", admin);
        assertThat(backlog.exit()).as(backlog.err()).isZero();
        assertThat(backlog.out().strip()).isEqualTo("3");

        // two, then the third: what one reader leaves past its --count, the next one gets
        long begin = System.nanoTime();
        Result first = courier("consume", url, topic, "-s", "reader", "--from", "earliest", "--count", "2", "--wait", "60");
        long firstMs = (System.nanoTime() - begin) / 1_000_000;
        assertThat(first.exit()).as(first.err()).isZero();
        Result rest = courier("consume", url, topic, "-s", "reader", "--count", "1", "--wait", "60");
        assertThat(rest.exit()).as(rest.err()).isZero();
        System.out.printf("[cli] consume --count 2 took %d ms%n", firstMs);
        List<String> lines = new java.util.ArrayList<>(first.lines());
        lines.addAll(rest.lines());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains(json.lines().get(0)).contains(" key=user-1 {source=cli} {\"a\":1}");
        assertThat(lines.get(1)).contains(json.lines().get(1)).endsWith(" key=user-1 {source=cli} {\"b\":[2,3]}");
        assertThat(lines.get(2)).contains(text.lines().get(0)).endsWith(" key=- {} hello world");
        System.out.println("[cli] consume printed:\n" + String.join("\n", lines));

        Result after = courier("backlog", url, topic, "reader", "-o", admin);
        assertThat(after.out().strip()).isEqualTo("0");
    }

    @Test
    void tailFollowsUntilStoppedAndLeavesNothingUnacknowledged() throws Exception {
        String topic = "cli-tail-" + UUID.randomUUID();
        StringWriter printed = new StringWriter();   // StringBuffer inside: safe to read while the tail writes
        PrintWriter out = new PrintWriter(printed, true);
        Thread tail = new Thread(() -> CourierCli.run(out, new PrintWriter(new StringWriter(), true),
                "tail", pulsar.serviceUrl(), topic, "-s", "follower", "--from", "earliest"));
        tail.start();
        try {
            for (int i = 1; i <= 3; i++) {
                assertThat(courier("publish", pulsar.serviceUrl(), topic, "{\"n\":" + i + "}").exit()).isZero();
                int expected = i;
                // each one printed while the tail keeps running
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                while (printed.toString().lines().count() < expected && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                }
                List<String> lines = printed.toString().lines().toList();
                assertThat(lines).as("printed so far").hasSize(expected);
                assertThat(lines.get(expected - 1)).endsWith(" {\"n\":" + expected + "}");
            }
            assertThat(tail.isAlive()).isTrue();
        } finally {
            tail.interrupt();   // what Ctrl-C does to the waiting command (its shutdown hook closes the broker)
            tail.join(30_000);
        }
        assertThat(tail.isAlive()).isFalse();
        Result backlog = courier("backlog", pulsar.serviceUrl(), topic, "follower", "-o", "adminUrl=" + pulsar.httpUrl());
        assertThat(backlog.out().strip()).isEqualTo("0");
    }

    @Test
    void wrongInputIsOneLine() {
        Result scheme = courier("publish", "nats://127.0.0.1:4222", "t", "{}");
        assertThat(scheme.exit()).isNotZero();
        assertThat(scheme.err().strip().lines()).hasSize(1).first().asString().startsWith("courier: ");
        Result missing = courier("consume", pulsar.serviceUrl(), "t");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--subscription");
        Result count = courier("consume", pulsar.serviceUrl(), "t", "-s", "x", "--count", "0");
        assertThat(count.exit()).isEqualTo(2);
        assertThat(count.err().strip()).isEqualTo("courier: --count must be at least 1, got 0");
        Result unknown = courier("publish", pulsar.serviceUrl(), "t", "--format", "xml", "x");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("xml");
    }
}
