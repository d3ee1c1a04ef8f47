package io.courier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsValidationTest {

    @Test
    void invalidTopicNamesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Envelope.of("has space", "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("has space").hasMessageContaining("whitespace");
        assertThatThrownBy(() -> Envelope.of("", "x")).isInstanceOf(InvalidTopicException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> Envelope.of(null, "x")).isInstanceOf(InvalidTopicException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> Topics.validate("tab\there")).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> Topics.validate("x".repeat(300))).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("300 characters");
        assertThat(Topics.validate("logger.report.event")).isEqualTo("logger.report.event");
        assertThat(Topics.validate("persistent://public/default/orders-1")).isNotNull();
        assertThat(Topics.validate("tenant/ns/orders")).isNotNull();
    }

    @Test
    void nullPayloadIsRejectedNamingTheTopic() {
        assertThatThrownBy(() -> Envelope.of("orders", null)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("payload must not be null").hasMessageContaining("orders");
    }

    @Test
    void envelopeListsEveryProblem() {
        ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(
                ConfigurationException.class, () -> Envelope.builder("bad topic", null).key("")
                        .deliverAfter(Duration.ofSeconds(-1)).build());
        assertThat(e.problems()).hasSize(4);
    }

    @Test
    void subscriptionNameIsRequired() {
        assertThatThrownBy(() -> SubscribeOptions.builder("orders", null).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("subscription name is required");
        assertThatThrownBy(() -> SubscribeOptions.builder("orders", " ").build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("subscription name is required");
    }

    @Test
    void negativeConcurrencyAndOtherBadValuesAreAllListed() {
        ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigurationException.class,
                () -> SubscribeOptions.builder("orders", "s").concurrency(-1).maxInFlight(0)
                        .handlerTimeout(Duration.ofSeconds(-5)).batchWait(Duration.ZERO).build());
        assertThat(e.problems()).anyMatch(p -> p.contains("concurrency must be at least 1, got -1"))
                .anyMatch(p -> p.contains("maxInFlight must be at least 1"))
                .anyMatch(p -> p.contains("handlerTimeout"))
                .anyMatch(p -> p.contains("batchWait"));
        assertThat(e.getMessage()).contains("orders").contains("'s'");
    }

    @Test
    void strictOrderingNeedsConcurrencyOne() {
        assertThatThrownBy(() -> SubscribeOptions.builder("orders", "s").ordering(Ordering.STRICT).concurrency(4).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("STRICT");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        SubscribeOptions o = SubscribeOptions.builder("orders", "s").build();
        assertThat(o.type()).isEqualTo(SubscriptionType.EXCLUSIVE);
        assertThat(o.initialPosition()).isEqualTo(InitialPosition.LATEST);
        assertThat(o.concurrency()).isEqualTo(1);
        assertThat(o.ordering()).isEqualTo(Ordering.PER_KEY);
        assertThat(o.maxInFlight()).isEqualTo(1000);
        assertThat(o.retry().maxAttempts()).isEqualTo(3);
        assertThat(o.deadLetterTopic()).isEmpty();
        assertThat(o.handlerTimeout()).isZero();
        assertThat(o.batchSize()).isEqualTo(100);
        assertThat(SubscribeOptions.builder("orders", "s").maxInFlight(10).build().batchSize()).isEqualTo(10);
        assertThatThrownBy(() -> SubscribeOptions.builder("orders", "s").maxInFlight(10).batchSize(20).build())
                .hasMessageContaining("batchSize (20) must not exceed maxInFlight (10)");
    }

    @Test
    void badTopicPatternIsReported() {
        assertThatThrownBy(() -> SubscribeOptions.builderForPattern("orders-(", "s").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not a valid regular expression");
        assertThat(SubscribeOptions.builderForPattern("orders-.*", "s").build().topicDescription()).isEqualTo("pattern:orders-.*");
    }

    @Test
    void retryPolicyBackoffGrowsAndIsCapped() {
        RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100)).multiplier(2).maxBackoff(Duration.ofMillis(350))
                .jitter(0).build();
        assertThat(p.backoffAfter(1, 0.5)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.backoffAfter(2, 0.5)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.backoffAfter(3, 0.5)).isEqualTo(Duration.ofMillis(350));
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).multiplier(0.5).jitter(2).build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void secretsNeverAppearInStrings() {
        BrokerOptions o = BrokerOptions.builder().property("authToken", "s3cr3t").property("retention", "10").build();
        assertThat(o.toString()).doesNotContain("s3cr3t").contains("retention=10");
        assertThat(Brokers.redact("pulsar+ssl://user:pw@host:6651/?token=abc&x=1")).doesNotContain("pw").doesNotContain("abc")
                .contains("x=1");
        // a password holding '@', '/' or '?' is hidden whole, not up to its first '@'
        assertThat(Brokers.redact("pulsar://admin:p@ss/w?rd@broker:6650")).isEqualTo("pulsar://****@broker:6650");
        assertThat(Brokers.redact("pulsar://admin:a@b@c@broker:6650/x")).doesNotContain("a@b").doesNotContain("admin")
                .endsWith("@broker:6650/x");
    }

    @Test
    void headersAreImmutableAndValidated() {
        Headers h = Headers.of("a", "1");
        assertThat(h.with("b", "2").asMap()).containsEntry("a", "1").containsEntry("b", "2");
        assertThat(h.size()).isEqualTo(1);
        assertThatThrownBy(() -> h.asMap().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Headers.of("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Headers.builder().put(" ", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBuilderUsedAfterBuildNeverChangesTheHeadersItBuilt() {
        Headers.Builder b = Headers.builder().put("a", "1");
        Headers first = b.build();
        Headers second = b.put("b", "2").remove("a").build();
        assertThat(first.asMap()).containsExactly(java.util.Map.entry("a", "1"));
        assertThat(second.asMap()).containsExactly(java.util.Map.entry("b", "2"));
        assertThat(Headers.builder().remove("x").build()).isSameAs(Headers.empty());
    }
}
