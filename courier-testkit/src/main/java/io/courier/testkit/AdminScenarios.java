package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Capability;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.NonRetryableException;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.TopicInfo;
import io.courier.core.DeadLetters;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group T (tools): what the {@code courier} command and the console read and do through a broker's admin
 * and the {@link DeadLetters} helper. Part of {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class AdminScenarios extends ConformanceContext {

    @Test
    @DisplayName("T1 topics() lists a topic once with its partitions and the messages published to it; "
            + "subscriptions() lists its subscriptions with their exact backlog and connected consumers")
    void t1_topicsAndSubscriptions() {
        String topic = topic("t");
        String idle = subscriptionName("idle");
        String live = subscriptionName("live");
        int partitions = capabilities().supports(Capability.PARTITIONS) ? 2 : 0;
        broker.admin().ensureTopic(topic, partitions);
        createSubscription(topic, idle, competingType());
        createSubscription(topic, live, competingType());
        publishTextsOneByOne(topic, 3, "m");

        Await.until(WAIT, () -> find(topic).map(t -> t.published().isEmpty() || t.published().getAsLong() == 3)
                        .orElse(false),
                () -> "topic " + topic + " listed with 3 messages published; listed: " + broker.admin().topics());
        List<TopicInfo> named = broker.admin().topics().stream().filter(t -> t.name().equals(topic)).toList();
        assertThat(named).hasSize(1);
        assertThat(named.get(0).partitions()).isEqualTo(partitions);
        assertThat(named.get(0).isDeadLetterTopic()).isFalse();

        Recorder<String> handled = new Recorder<>();
        subscribe(options(topic, live).type(competingType()).build(), String.class, handled);
        handled.awaitCount(3, WAIT);
        Await.until(WAIT, () -> {
            List<SubscriptionInfo> subs = broker.admin().subscriptions(topic);
            SubscriptionInfo i = subs.stream().filter(s -> s.name().equals(idle)).findFirst().orElse(null);
            SubscriptionInfo l = subs.stream().filter(s -> s.name().equals(live)).findFirst().orElse(null);
            return i != null && i.backlog() == 3 && i.consumers() == 0 && l != null && l.backlog() == 0
                    && l.consumers() == 1;
        }, () -> "subscriptions of " + topic + ": " + broker.admin().subscriptions(topic));
        SubscriptionInfo l = broker.admin().subscriptions(topic).stream().filter(s -> s.name().equals(live))
                .findFirst().orElseThrow();
        l.type().ifPresent(t -> assertThat(t).isEqualTo(competingType()));
        l.unacknowledged().ifPresent(n -> assertThat(n).isZero());
        assertThat(broker.admin().subscriptions(topic("never-made"))).isEmpty();
    }

    @Test
    @DisplayName("T2 dead letters: read leaves them pending with their reason, attempts and origin; replay by id "
            + "delivers the original (payload, key, headers, content type) to the handler again; discard settles the rest")
    void t2_deadLetters() {
        String topic = topic("t");
        String sub = subscriptionName("t2");
        String dlq = topic + "-" + sub + "-DLQ";
        Set<String> poisoned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        poisoned.add("bad-1");
        poisoned.add("bad-2");
        Recorder<String> handled = new Recorder<>();
        subscribe(options(topic, sub).type(competingType()).build(), String.class, m -> {
            if (poisoned.contains(m.payload())) {
                throw new NonRetryableException("invalid report " + m.payload());
            }
            handled.handle(m);
        });
        broker.publish(Envelope.builder(topic, "good-1").codec("text").build());
        broker.publish(Envelope.builder(topic, "bad-1").codec("text").key("k1").header("source", "t2").build());
        broker.publish(Envelope.builder(topic, "bad-2").codec("text").build());
        handled.awaitCount(1, WAIT);

        DeadLetters letters = DeadLetters.of(broker, dlq);
        Await.until(WAIT, () -> letters.read(10, Duration.ofSeconds(5)).size() == 2,
                () -> "two dead letters on " + dlq);
        List<DeadLetters.Letter> read = letters.read(10, Duration.ofSeconds(10));
        assertThat(read).hasSize(2);   // reading settled nothing
        DeadLetters.Letter first = read.stream().filter(x -> x.key().equals(Optional.of("k1"))).findFirst().orElseThrow();
        assertThat(first.reason()).contains(DeadLetter.REASON_NON_RETRYABLE);
        assertThat(first.attempts()).contains(1);
        assertThat(first.subscription()).contains(sub);
        assertThat(first.exceptionClass()).contains(NonRetryableException.class.getName());
        assertThat(first.exceptionMessage()).contains("invalid report bad-1");
        assertThat(first.deadLetteredAt()).isPresent();
        assertThat(first.originalHeaders().names()).noneMatch(n -> n.startsWith("courier-dlq-"));
        assertThat(new String(first.payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("bad-1");

        poisoned.clear();   // the bug is fixed: the replayed letter now succeeds
        List<DeadLetters.Letter> replayed = letters.replay(List.of(first.id()), Duration.ofSeconds(10));
        assertThat(replayed).extracting(DeadLetters.Letter::id).containsExactly(first.id());
        handled.awaitCount(2, WAIT);
        Message<String> again = handled.messages().get(1);
        assertThat(again.payload()).isEqualTo("bad-1");
        assertThat(again.key()).contains("k1");
        assertThat(again.headers().get("source")).isEqualTo("t2");
        assertThat(again.headers().get(Headers.CONTENT_TYPE)).startsWith("text/plain");
        assertThat(again.headers().names()).noneMatch(n -> n.startsWith("courier-dlq-"));

        List<DeadLetters.Letter> rest = letters.read(10, Duration.ofSeconds(10));
        assertThat(rest).extracting(x -> new String(x.payload(), java.nio.charset.StandardCharsets.UTF_8))
                .containsExactly("bad-2");
        assertThat(letters.discard(List.of(), Duration.ofSeconds(10))).hasSize(1);
        assertThat(letters.read(10, Duration.ofSeconds(3))).isEmpty();
        assertThat(handled.payloads()).containsExactly("good-1", "bad-1");
        assertThat(broker.admin().topics().stream().filter(TopicInfo::isDeadLetterTopic).map(TopicInfo::name)
                .collect(Collectors.toSet())).contains(dlq);
    }

    @Test
    @DisplayName("T3 with no consumer connected: skip(n) settles the n oldest, so that a subscriber then receives exactly "
            + "the rest; skipAll settles the whole backlog")
    void t3_skip() {
        String topic = topic("t");
        String skipping = subscriptionName("t3-skip");
        String emptied = subscriptionName("t3-all");
        broker.admin().ensureTopic(topic, 0);   // one log: Kafka skips N only where there is one partition
        createSubscription(topic, skipping, competingType());
        createSubscription(topic, emptied, competingType());
        publishTextsOneByOne(topic, 2, "early-");
        List<MessageId> late = publishTextsOneByOne(topic, 3, "late-");
        awaitBacklog(topic, skipping, 5);
        awaitBacklog(topic, emptied, 5);

        broker.admin().skip(topic, skipping, 2);
        awaitBacklog(topic, skipping, 3);
        broker.admin().skipAll(topic, emptied);
        awaitBacklog(topic, emptied, 0);

        Recorder<String> got = new Recorder<>();
        subscribe(options(topic, skipping).type(competingType()).build(), String.class, got);
        got.awaitIds(Set.copyOf(late), WAIT);
        assertThat(got.payloads()).containsExactlyInAnyOrder("late-0", "late-1", "late-2");
    }

    @Test
    @DisplayName("T4 with a log (RETENTION) and no consumer connected: peek shows the latest messages oldest first and "
            + "settles none; resetCursor(t) makes exactly the messages published from t on pending again, and a "
            + "subscriber then receives exactly those")
    void t4_peekAndResetCursor() {
        requireCapability(Capability.RETENTION);
        String topic = topic("t");
        String sub = subscriptionName("t4");
        broker.admin().ensureTopic(topic, 0);
        createSubscription(topic, sub, competingType());
        publishTextsOneByOne(topic, 2, "early-");
        Instant mid = clockPast(Instant.now());
        clockPast(mid);
        List<MessageId> late = publishTextsOneByOne(topic, 3, "late-");

        assertThat(broker.admin().peek(topic, 3)).extracting(m -> text(m.payload()))
                .containsExactly("late-0", "late-1", "late-2");
        List<StoredMessage> all = broker.admin().peek(topic, 10);
        assertThat(all).extracting(m -> text(m.payload())).containsExactly("early-0", "early-1", "late-0", "late-1", "late-2");
        assertThat(all.get(0).headers().get(Headers.CONTENT_TYPE)).startsWith("text/plain");
        assertThat(broker.admin().backlog(topic, sub)).isEqualTo(5);

        broker.admin().skipAll(topic, sub);
        awaitBacklog(topic, sub, 0);
        broker.admin().resetCursor(topic, sub, mid);
        awaitBacklog(topic, sub, 3);

        Recorder<String> got = new Recorder<>();
        subscribe(options(topic, sub).type(competingType()).build(), String.class, got);
        got.awaitIds(Set.copyOf(late), WAIT);
        assertThat(got.payloads()).containsExactlyInAnyOrder("late-0", "late-1", "late-2");
    }

    /** Waits until the clock is 50 ms past {@code t} (publish times on either side of the result then differ). */
    private static Instant clockPast(Instant t) {
        Await.until(WAIT, () -> Instant.now().isAfter(t.plusMillis(50)), () -> "the clock to move on");
        return Instant.now();
    }

    private void awaitBacklog(String topic, String sub, long expected) {
        Await.until(WAIT, () -> broker.admin().backlog(topic, sub) == expected,
                () -> "backlog of " + sub + " to be " + expected + ", is " + broker.admin().backlog(topic, sub));
    }

    private static String text(byte[] payload) {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }

    private Optional<TopicInfo> find(String topic) {
        return broker.admin().topics().stream().filter(t -> t.name().equals(topic)).findFirst();
    }
}
