package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.courier.Broker;
import io.courier.Capability;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.NoResponderException;
import io.courier.RequestTimeoutException;
import io.courier.Responder;
import io.courier.ResponderFailedException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.UnsupportedFeatureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group R. Request/reply: {@link Broker#request} answered by {@link Broker#respond}, its typed failures,
 * replies kept apart between clients, and the clear refusal of a backend without {@link Capability#REQUEST_REPLY}.
 * Part of {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class RequestReplyScenarios extends ConformanceContext {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private <T, R> Subscription respond(String topic, String group, int concurrency, Class<T> type,
                                        Responder<T, R> responder) {
        Subscription s = broker.respond(SubscribeOptions.builder(topic, group).concurrency(concurrency).build(), type,
                responder);
        toClose.add(s);
        return s;
    }

    @Test
    @DisplayName("R1 a request gets its responder's reply, typed; key and headers reach the responder; null replies null")
    void r01_roundTrip() {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        Map<String, String> seen = new ConcurrentHashMap<>();
        respond(topic, subscriptionName("r1"), 1, String.class, m -> {
            if (m.payload().equals("hello")) {
                seen.put("key", m.key().orElse("-"));
                seen.put("header", String.valueOf(m.headers().get("x-trace")));
            }
            return m.payload().equals("nothing") ? null : m.payload().length();
        });
        Integer length = broker.request(Envelope.builder(topic, "hello").key("k1").headers(Headers.of("x-trace", "t1"))
                .build(), Integer.class, TIMEOUT);
        assertThat(length).isEqualTo(5);
        assertThat(seen).containsEntry("key", "k1").containsEntry("header", "t1");
        assertThat(broker.request(topic, "nothing", Integer.class, TIMEOUT)).isNull();
    }

    @Test
    @DisplayName("R2 a responder that throws: the requester gets ResponderFailedException with its class and message; "
            + "the responder goes on answering")
    void r02_failingResponder() {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        respond(topic, subscriptionName("r2"), 1, String.class, m -> {
            if (m.payload().equals("bad")) {
                throw new IllegalArgumentException("no such order: bad");
            }
            return "ok " + m.payload();
        });
        assertThatThrownBy(() -> broker.request(topic, "bad", String.class, TIMEOUT))
                .isInstanceOf(ResponderFailedException.class)
                .hasMessageContaining(topic)
                .satisfies(e -> assertThat(((ResponderFailedException) e).responderError())
                        .isEqualTo(IllegalArgumentException.class.getName() + ": no such order: bad"));
        assertThat(broker.request(topic, "good", String.class, TIMEOUT)).isEqualTo("ok good");
    }

    @Test
    @DisplayName("R3 no reply within the timeout: RequestTimeoutException after the timeout, not long after it")
    void r03_timeout() throws Exception {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        CountDownLatch release = new CountDownLatch(1);
        respond(topic, subscriptionName("r3"), 1, String.class, m -> {
            release.await(60, TimeUnit.SECONDS);
            return "late";
        });
        long start = System.nanoTime();
        try {
            assertThatThrownBy(() -> broker.request(topic, "slow", String.class, Duration.ofMillis(500)))
                    .isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining(topic).hasMessageContaining("500 ms");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.println("[conformance] R3 timeout of 500 ms reported after " + tookMs + " ms");
            assertThat(tookMs).isBetween(450L, 3_000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    @DisplayName("R4 nobody listening: NoResponderException at once, well before the timeout; also after the "
            + "responder closed")
    void r04_noResponder() {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        long start = System.nanoTime();
        assertThatThrownBy(() -> broker.request(topic, "anyone?", String.class, TIMEOUT))
                .isInstanceOf(NoResponderException.class).hasMessageContaining(topic);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.dividedBy(3));
        Subscription responder = respond(topic, subscriptionName("r4"), 1, String.class, m -> "here");
        assertThat(broker.request(topic, "anyone?", String.class, TIMEOUT)).isEqualTo("here");
        responder.close(Duration.ofSeconds(5));
        assertThatThrownBy(() -> broker.request(topic, "anyone?", String.class, TIMEOUT))
                .isInstanceOf(NoResponderException.class);
    }

    @Test
    @DisplayName("R5 two responders of one group share 2 clients' 1,000 concurrent requests: each answered once, "
            + "every reply to the client that asked, none mixed")
    void r05_sharedAndNeverMixed() {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        String group = subscriptionName("r5");
        Map<String, String> answeredBy = new ConcurrentHashMap<>();
        List<String> twice = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            respond(topic, group, 4, String.class, m -> {
                if (answeredBy.putIfAbsent(m.payload(), name) != null) {
                    synchronized (twice) {
                        twice.add(m.payload());
                    }
                }
                return "re:" + m.payload();
            });
        }
        Broker other = openBroker();
        toClose.add(other);
        int each = scaled(500);
        List<CompletableFuture<String>> replies = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            for (Broker client : List.of(broker, other)) {
                String id = (client == broker ? "one-" : "two-") + i;
                asked.add(id);
                replies.add(client.requestAsync(Envelope.of(topic, id), String.class, TIMEOUT));
            }
        }
        for (int i = 0; i < asked.size(); i++) {
            assertThat(replies.get(i).join()).isEqualTo("re:" + asked.get(i));
        }
        assertThat(twice).isEmpty();
        assertThat(answeredBy.keySet()).isEqualTo(Set.copyOf(asked));
        long byA = answeredBy.values().stream().filter("a"::equals).count();
        System.out.println("[conformance] R5 " + asked.size() + " requests: responder a answered " + byA + ", b "
                + (asked.size() - byA));
        assertThat(byA).isPositive().isLessThan(asked.size());
    }

    @Test
    @DisplayName("R6 what a request cannot be: a delivery time, a zero timeout, a responder with a dead-letter topic "
            + "(ConfigurationException)")
    void r06_refusedRequests() {
        requireCapability(Capability.REQUEST_REPLY);
        String topic = topic("r");
        assertThatThrownBy(() -> broker.request(Envelope.builder(topic, "x").deliverAfter(Duration.ofSeconds(1))
                .build(), String.class, TIMEOUT)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> broker.request(topic, "x", String.class, Duration.ZERO))
                .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> broker.respond(SubscribeOptions.builder(topic, "g").deadLetterTopic(topic + "-dlq")
                .build(), String.class, m -> "x")).isInstanceOf(ConfigurationException.class);
    }

    @Test
    @DisplayName("R7 a backend without request/reply refuses request and respond with UnsupportedFeatureException "
            + "naming itself and what to use instead")
    void r07_refusedWhereMissing() {
        boolean present = capabilities().supports(Capability.REQUEST_REPLY);
        if (present) {
            System.out.println("[conformance] " + testName + " skipped: " + capabilities().backend()
                    + " has REQUEST_REPLY");
        }
        assumeFalse(present, () -> capabilities().backend() + " has REQUEST_REPLY");
        String topic = topic("r");
        String backend = capabilities().backend();
        assertThatThrownBy(() -> broker.request(topic, "x", String.class, TIMEOUT))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining(backend)
                .hasMessageContaining("reply topic");
        assertThat(broker.requestAsync(Envelope.of(topic, "x"), String.class, TIMEOUT))
                .isCompletedExceptionally();
        assertThatThrownBy(() -> broker.respond(SubscribeOptions.builder(topic, "g").build(), String.class, m -> "x"))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining(backend);
    }
}
