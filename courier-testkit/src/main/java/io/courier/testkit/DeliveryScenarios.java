package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Api;
import io.courier.Capability;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.NonRetryableException;
import io.courier.Ordering;
import io.courier.PayloadTooLargeException;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group A. Delivery: what is published arrives, with its payload, key and headers, whatever the codec,
 * size or number of topics. Part of {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class DeliveryScenarios extends ConformanceContext {

    @Test
    @DisplayName("A1 publish-then-subscribe (EARLIEST): 100 messages arrive with payloads, headers (sorted by name) and "
            + "keys intact")
    void a01_publishThenSubscribe() {
        String topic = topic("t");
        String sub = subscriptionName("a1");
        createSubscription(topic, sub, SubscriptionType.EXCLUSIVE);
        Map<MessageId, Integer> sent = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            MessageId id = broker.publish(Envelope.builder(topic, new TestOrder("o-" + i, "c-" + (i % 7), i, Instant.ofEpochSecond(1_700_000_000L + i)))
                    .key("k-" + i).header("seq", Integer.toString(i)).header("unique", "h-" + i + "-" + UUID.randomUUID()).build());
            sent.put(id, i);
        }
        Recorder<TestOrder> rec = new Recorder<>();
        subscribe(options(topic, sub).build(), TestOrder.class, rec);
        rec.awaitIds(sent.keySet(), WAIT);
        assertThat(rec.ids()).isEqualTo(sent.keySet());
        for (Message<TestOrder> m : rec.messages()) {
            int i = sent.get(m.id());
            assertThat(m.payload()).isEqualTo(new TestOrder("o-" + i, "c-" + (i % 7), i, Instant.ofEpochSecond(1_700_000_000L + i)));
            assertThat(m.key()).contains("k-" + i);
            assertThat(m.headers().get("seq")).isEqualTo(Integer.toString(i));
            assertThat(m.headers().get("unique")).startsWith("h-" + i + "-");
            // sent as seq, unique, content-type: received sorted by name on every backend
            assertThat(new ArrayList<>(m.headers().names())).containsExactly(io.courier.Headers.CONTENT_TYPE, "seq", "unique");
            assertThat(m.topic()).endsWith(topic);
            assertThat(m.subscription()).isEqualTo(sub);
        }
        report("A1", rec.duplicates());
    }

    @Test
    @DisplayName("A2 subscribe-then-publish (LATEST): only messages published after the subscription exists arrive")
    void a02_subscribeThenPublishLatest() {
        String topic = topic("t");
        createSubscription(topic, subscriptionName("holder"), SubscriptionType.EXCLUSIVE);
        publishTexts(topic, 10, "before-");
        Recorder<String> rec = new Recorder<>();
        subscribe(SubscribeOptions.builder(topic, subscriptionName("a2")).initialPosition(InitialPosition.LATEST).build(),
                String.class, rec);
        List<MessageId> after = publishTexts(topic, 10, "after-");
        rec.awaitIds(new HashSet<>(after), WAIT);
        assertThat(rec.ids()).isEqualTo(new HashSet<>(after));
        assertThat(rec.payloads()).allMatch(p -> p.startsWith("after-"));
    }

    @Test
    @DisplayName("A3 concurrent publishers: 20 threads x 500 messages all arrive")
    void a03_concurrentPublishers() throws Exception {
        String topic = topic("t");
        Recorder<String> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("a3")).type(competingType()).concurrency(4)
                .ordering(Ordering.UNORDERED).build(), String.class, rec);
        int threads = 20;
        int each = scaled(500);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Set<MessageId> sent = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<CompletableFuture<MessageId>> fs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        fs.add(broker.publishAsync(Envelope.builder(topic, "t" + thread + "-" + i).codec("text").build()));
                    }
                    fs.forEach(f -> sent.add(f.join()));
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sent).hasSize(threads * each);
        rec.awaitIds(sent, WAIT);
        assertThat(rec.ids()).isEqualTo(sent);
        report("A3", rec.duplicates());
    }

    @Test
    @DisplayName("A4 many topics: 20 topics each get exactly their own messages")
    void a04_manyTopics() {
        int topics = 20;
        List<String> names = new ArrayList<>();
        List<Recorder<String>> recorders = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            String name = topic("t" + t);
            names.add(name);
            Recorder<String> rec = new Recorder<>();
            recorders.add(rec);
            subscribe(options(name, subscriptionName("a4")).build(), String.class, rec);
        }
        List<Set<MessageId>> sent = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            sent.add(new HashSet<>(publishTexts(names.get(t), 10, names.get(t) + "#")));
        }
        for (int t = 0; t < topics; t++) {
            recorders.get(t).awaitIds(sent.get(t), WAIT);
        }
        for (int t = 0; t < topics; t++) {
            assertThat(recorders.get(t).ids()).isEqualTo(sent.get(t));
            String prefix = names.get(t) + "#";
            assertThat(recorders.get(t).payloads()).allMatch(p -> p.startsWith(prefix));
        }
    }

    @Test
    @DisplayName("A5 every built-in codec round-trips, and content-type lets a consumer decode without being told")
    void a05_codecs() {
        TestOrder order = new TestOrder("o-1", "alice", 3, Instant.parse("2026-11-26T10:15:30Z"));
        Api api = Api.newBuilder().setName("report.service.v1.Report").setVersion("v1").build();
        byte[] bytes = {0, 1, 2, (byte) 0xFF, 127, -128};

        Recorder<TestOrder> json = new Recorder<>();
        Recorder<Api> jsonProto = new Recorder<>();
        Recorder<Api> proto = new Recorder<>();
        Recorder<String> text = new Recorder<>();
        Recorder<byte[]> raw = new Recorder<>();
        String[] topics = {topic("json"), topic("jsonproto"), topic("proto"), topic("text"), topic("bytes")};
        subscribe(options(topics[0], subscriptionName("a5")).build(), TestOrder.class, json);
        subscribe(options(topics[1], subscriptionName("a5")).build(), Api.class, jsonProto);
        subscribe(options(topics[2], subscriptionName("a5")).build(), Api.class, proto);
        subscribe(options(topics[3], subscriptionName("a5")).build(), String.class, text);
        subscribe(options(topics[4], subscriptionName("a5")).build(), byte[].class, raw);

        broker.publish(Envelope.builder(topics[0], order).codec("json").build());
        broker.publish(Envelope.builder(topics[1], api).codec("json").build());
        broker.publish(Envelope.builder(topics[2], api).codec("proto").build());
        broker.publish(Envelope.builder(topics[3], "héllo wörld ✓").codec("text").build());
        broker.publish(Envelope.builder(topics[4], bytes).codec("bytes").build());

        json.awaitCount(1, WAIT);
        jsonProto.awaitCount(1, WAIT);
        proto.awaitCount(1, WAIT);
        text.awaitCount(1, WAIT);
        raw.awaitCount(1, WAIT);
        assertThat(json.payloads()).containsExactly(order);
        assertThat(json.messages().get(0).headers().get(Headers.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(jsonProto.payloads()).containsExactly(api);
        assertThat(new String(jsonProto.messages().get(0).payload().toByteArray(), StandardCharsets.ISO_8859_1)).isNotEmpty();
        assertThat(proto.payloads()).containsExactly(api);
        assertThat(proto.messages().get(0).headers().get(Headers.CONTENT_TYPE)).isEqualTo("application/x-protobuf");
        assertThat(text.payloads()).containsExactly("héllo wörld ✓");
        assertThat(raw.payloads().get(0)).isEqualTo(bytes);
    }

    @Test
    @DisplayName("A6 a 1 MiB payload round-trips intact; one over the backend's limit fails clearly (or is chunked where there is none)")
    void a06_largePayload() {
        String topic = topic("t");
        Recorder<byte[]> rec = new Recorder<>();
        subscribe(options(topic, subscriptionName("a6")).build(), byte[].class, rec);
        byte[] big = new byte[1024 * 1024];
        new java.util.Random(42).nextBytes(big);
        MessageId id = broker.publish(Envelope.builder(topic, big).codec("bytes").build());
        rec.awaitIds(Set.of(id), WAIT);
        assertThat(rec.payloads().get(0)).isEqualTo(big);

        long limit = capabilities().maxPayloadBytes();
        if (limit == 0) {
            // no limit: a payload above the usual 5 MiB message limit travels in chunks
            byte[] huge = new byte[6 * 1024 * 1024];
            new java.util.Random(7).nextBytes(huge);
            MessageId hugeId = broker.publish(Envelope.builder(topic, huge).codec("bytes").build());
            rec.awaitIds(Set.of(hugeId), WAIT);
            assertThat(rec.messages().stream().filter(m -> m.id().equals(hugeId)).findFirst().orElseThrow().payload())
                    .isEqualTo(huge);
            return;
        }
        byte[] tooBig = new byte[(int) limit + 1];
        assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, tooBig).codec("bytes").build()))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageContaining(topic);
    }

    @Test
    @DisplayName("A7 a pattern subscription gets existing and new topics, never its own dead-letter topic, and other "
            + "dead-letter topics only when asked to")
    void a07_patternSkipsDeadLetterTopics() {
        requireCapability(Capability.TOPIC_PATTERNS);
        String base = "conf-a7-" + UUID.randomUUID().toString().substring(0, 8);
        String existing = base + "-orders";
        String foreignDeadLetters = base + "-audit-other-DLQ";
        broker.admin().ensureTopic(existing, 0);
        broker.admin().ensureTopic(foreignDeadLetters, 0);
        String sub = subscriptionName("a7");
        String asking = subscriptionName("a7all");
        java.util.Queue<String> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Queue<String> seenAsking = new java.util.concurrent.ConcurrentLinkedQueue<>();
        io.courier.Handler<String> poisonRefused = m -> {
            seen.add(m.payload());
            if (m.payload().startsWith("poison")) {
                throw new NonRetryableException("poison");
            }
        };
        subscribe(SubscribeOptions.builderForPattern(java.util.regex.Pattern.quote(base) + "-.*", sub)
                .initialPosition(InitialPosition.EARLIEST).build(), String.class, poisonRefused);
        subscribe(SubscribeOptions.builderForPattern(java.util.regex.Pattern.quote(base) + "-.*", asking)
                .initialPosition(InitialPosition.EARLIEST).includeDeadLetterTopics(true).build(), String.class, m -> {
                    seenAsking.add(m.payload());
                    if (m.payload().startsWith("poison")) {
                        throw new NonRetryableException("poison");
                    }
                });
        broker.publish(Envelope.builder(existing, "ok-1").codec("text").build());
        broker.publish(Envelope.builder(foreignDeadLetters, "foreign-dead-letter").codec("text").build());
        String created = base + "-payments";
        // read the dead letters from before they exist (a broker keeps nothing for a subscription made later)
        Recorder<String> ownDeadLetters = new Recorder<>();
        subscribe(options(created + "-" + sub + "-DLQ", subscriptionName("dlq")).build(), String.class, ownDeadLetters);
        broker.publish(Envelope.builder(created, "poison-1").codec("text").build());
        // the poison's dead letter exists once both handled it; a topic created after that is found only by a later
        // discovery, which also saw the dead-letter topics: once it is delivered, a dead letter would have been too
        Await.until(WAIT, () -> ownDeadLetters.ids().size() == 1, () -> "own dead letters: " + ownDeadLetters.ids().size());
        // the subscription that asks for dead-letter topics sees the poison twice: on its topic, and as the other
        // subscription's dead letter (its own dead letters never)
        Await.until(WAIT, () -> seenAsking.stream().filter("poison-1"::equals).count() == 2, () -> "asking: " + seenAsking);
        String later = base + "-zmarker";
        broker.publish(Envelope.builder(later, "marker").codec("text").build());
        Await.until(WAIT, () -> seen.contains("marker") && seenAsking.contains("marker"), () -> "seen " + seen + ", asking " + seenAsking);
        assertThat(seen).containsExactlyInAnyOrder("ok-1", "poison-1", "marker");
        // asking for dead-letter topics brings the other subscription's ones, and the foreign one, never its own
        assertThat(seenAsking).containsExactlyInAnyOrder("ok-1", "foreign-dead-letter", "poison-1", "poison-1", "marker");
    }
}
