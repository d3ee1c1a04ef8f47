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

    @Test
    void anUnreachableBrokerOrAdminApiIsOneLineInTheUsersTermsNamingWhatWasTried() throws Exception {
        int nothing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            nothing = s.getLocalPort();   // free once closed: nothing listens there
        }
        Result down = courier("publish", "pulsar://127.0.0.1:" + nothing + "?connectionTimeoutMs=1000&operationTimeoutMs=2000",
                "t", "{}");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err().strip()).isEqualTo("courier: cannot open pulsar://127.0.0.1:" + nothing + ": "
                + "connection refused; is it running, and are host and port right?");
        Result admin = courier("topics", pulsar.serviceUrl() + "?adminUrl=http://127.0.0.1:" + nothing);
        assertThat(admin.exit()).isEqualTo(1);
        assertThat(admin.err().strip()).isEqualTo("courier: cannot list the topics: Pulsar's admin API at http://127.0.0.1:"
                + nothing + " did not answer (connection refused); give its address with the adminUrl option: "
                + pulsar.serviceUrl() + "?adminUrl=http://HOST:PORT, or the property adminUrl");
        Result verbose = courier("--verbose", "topics", pulsar.serviceUrl() + "?adminUrl=http://127.0.0.1:" + nothing);
        assertThat(verbose.err()).contains("Caused by");   // the client's own exception, for whoever digs deeper
    }

    @Test
    void topicsSubscriptionsAndDeadLettersListedShownReplayedAndPurgedOnlyWhenConfirmed() throws Exception {
        String topic = "cli-dlq-" + UUID.randomUUID();
        String dlq = topic + "-saver-DLQ";
        String url = pulsar.serviceUrl();
        String admin = "adminUrl=" + pulsar.httpUrl();
        java.util.Set<String> poisoned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Broker b = Brokers.open(url, BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            b.subscribe(SubscribeOptions.builder(topic, "saver").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, m -> {
                        if (poisoned.contains(m.payload())) {
                            throw new io.courier.NonRetryableException("cannot store " + m.payload());
                        }
                        handled.add(m.payload());
                    });
            poisoned.add("poison-1");
            poisoned.add("poison-2");
            assertThat(courier("publish", url, topic, "--format", "text", "ok-1", "poison-1", "poison-2").exit()).isZero();
            Result list = awaitOutput(() -> courier("dlq", "list", url, "-o", admin),
                    out -> out.lines().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(dlq) + " +2 +2")));

            Result topics = courier("topics", url, "-o", admin);
            assertThat(topics.exit()).as(topics.err()).isZero();
            assertThat(topics.lines().get(0)).startsWith("TOPIC").contains("RATE-IN");
            assertThat(topics.lines()).anyMatch(l -> l.startsWith(topic + " ") && l.split(" +")[2].equals("3"))
                    .anyMatch(l -> l.startsWith(dlq + " "));
            Result onlyDlq = courier("topics", url, "--dlq", "-o", admin);
            assertThat(onlyDlq.lines()).noneMatch(l -> l.startsWith(topic + " ")).anyMatch(l -> l.startsWith(dlq + " "));
            Result subs = courier("subscriptions", url, topic, "-o", admin);
            assertThat(subs.exit()).as(subs.err()).isZero();
            assertThat(subs.lines()).anyMatch(l -> l.matches("saver +EXCLUSIVE +1 +0 +0 +\\d+\\.\\d"));

            Result show = courier("dlq", "show", url, dlq, "-o", admin);
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.lines()).hasSize(5).last().isEqualTo("2 letter(s) pending on " + dlq);
            assertThat(show.lines().get(0)).contains(" reason=non-retryable attempts=1 from=persistent://public/default/" + topic
                    + " subscription=saver exception=io.courier.NonRetryableException: cannot store poison-1");
            assertThat(show.lines().get(1)).endsWith(" poison-1");
            String firstId = show.lines().get(0).split(" ")[0];

            // a destructive action without confirmation does nothing
            Result refused = courier("dlq", "purge", url, dlq, "--all", "-o", admin);
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err().strip()).isEqualTo("courier: purge discards letters for good: confirm with --yes (no terminal to ask on)");
            Result notBoth = courier("dlq", "replay", url, dlq, "--all", "--id", firstId, "-o", admin);
            assertThat(notBoth.exit()).isEqualTo(2);

            poisoned.clear();
            Result replay = courier("dlq", "replay", url, dlq, "--id", firstId, "-o", admin);
            assertThat(replay.exit()).as(replay.err()).isZero();
            assertThat(replay.lines()).containsExactly("replayed " + firstId + " to persistent://public/default/" + topic,
                    "1 letter(s) replayed");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (handled.size() < 2 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            assertThat(handled).containsExactly("ok-1", "poison-1");
            Result again = courier("dlq", "replay", url, dlq, "--id", firstId, "-o", admin);
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("1 of the 1 letter id(s) given are not pending");

            Result purge = courier("dlq", "purge", url, dlq, "--all", "--yes", "-o", admin);
            assertThat(purge.exit()).as(purge.err()).isZero();
            assertThat(purge.lines()).containsExactly("1 letter(s) purged from " + dlq);
            Result empty = courier("dlq", "show", url, dlq, "-o", admin);
            assertThat(empty.lines()).containsExactly("0 letter(s) pending on " + dlq);
            assertThat(handled).containsExactly("ok-1", "poison-1");
        }
    }

    @Test
    void peekShowsTheLatestAndCursorMovesASubscriptionOnlyWhenConfirmed() {
        String topic = "cli-cursor-" + UUID.randomUUID();
        String url = pulsar.serviceUrl();
        String admin = "adminUrl=" + pulsar.httpUrl();
        try (Broker b = Brokers.open(url, BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            b.subscribe(SubscribeOptions.builder(topic, "audit").initialPosition(InitialPosition.EARLIEST).build(),
                    byte[].class, m -> { }).close();
        }
        for (String text : new String[] {"one", "two", "three"}) {
            assertThat(courier("publish", url, topic, "--format", "text", text).exit()).isZero();
        }
        Result peek = courier("peek", url, topic, "-n", "2", "-o", admin);
        assertThat(peek.exit()).as(peek.err()).isZero();
        assertThat(peek.lines()).hasSize(2);
        assertThat(peek.lines().get(0)).endsWith(" key=- {} two");
        assertThat(peek.lines().get(1)).endsWith(" key=- {} three");

        Result unconfirmed = courier("cursor", url, topic, "audit", "--skip-all", "-o", admin);
        assertThat(unconfirmed.exit()).isEqualTo(2);
        assertThat(unconfirmed.err().strip()).isEqualTo("courier: moving a subscription skips or repeats messages: "
                + "confirm with --yes (no terminal to ask on)");
        assertThat(courier("backlog", url, topic, "audit", "-o", admin).out().strip()).isEqualTo("3");
        Result skipAll = courier("cursor", url, topic, "audit", "--skip-all", "--yes", "-o", admin);
        assertThat(skipAll.exit()).as(skipAll.err()).isZero();
        assertThat(skipAll.out().strip()).isEqualTo("done: skip the whole backlog of audit; backlog now 0");
        Result reset = courier("cursor", url, topic, "audit", "--reset-to", "2000-01-01T00:00:00Z", "--yes", "-o", admin);
        assertThat(reset.out().strip()).endsWith("backlog now 3");
        Result skip = courier("cursor", url, topic, "audit", "--skip", "1", "--yes", "-o", admin);
        assertThat(skip.out().strip()).isEqualTo("done: skip the next 1 message(s) of audit; backlog now 2");
        assertThat(courier("cursor", url, topic, "audit", "--skip", "1", "--skip-all", "--yes", "-o", admin).exit()).isEqualTo(2);
        assertThat(courier("cursor", url, topic, "audit", "--reset-to", "yesterday", "--yes", "-o", admin).err()).contains("yesterday");
    }

    /** Runs the command until its output passes {@code check} (the broker's figures settle), for up to 60 s. */
    private static Result awaitOutput(java.util.function.Supplier<Result> command, java.util.function.Predicate<String> check) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        Result r = command.get();
        while (!(r.exit() == 0 && check.test(r.out())) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
            r = command.get();
        }
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(check.test(r.out())).as("output settled:\n" + r.out()).isTrue();
        return r;
    }
}
