package io.courier.core.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.BacklogQuota;
import io.courier.BrokerAdmin;
import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.UnsupportedFeatureException;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.TenantNamespaceNaming;
import io.courier.core.spi.TopicNaming;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A call that needs a capability the backend lacks fails at the call, naming backend, feature and alternative. */
class CapabilityChecksTest {

    /** A backend with EXCLUSIVE and FAILOVER only, no delayed delivery and no topic patterns. */
    private static final class LimitedBroker extends AbstractBroker {
        LimitedBroker() {
            super("limited://test", BrokerOptions.defaults());
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.builder("limited")
                    .subscriptionTypes(SubscriptionType.EXCLUSIVE, SubscriptionType.FAILOVER)
                    .without(Capability.DELAYED_DELIVERY, "schedule the publish in your service")
                    .without(Capability.TOPIC_PATTERNS, "subscribe to each topic")
                    .build();
        }

        @Override
        protected CompletableFuture<MessageId> send(OutboundMessage message) {
            return CompletableFuture.completedFuture(MessageId.of("1"));
        }

        @Override
        protected RawConsumer openConsumer(SubscribeOptions options) {
            return new RawConsumer() {
                @Override
                public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
                    unit.sleep(timeout);
                    return null;
                }

                @Override
                public void ack(RawMessage message) {
                }

                @Override
                public void nack(RawMessage message) {
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        protected void closeBackend(Duration timeout) {
        }

        @Override
        protected TopicNaming naming() {
            return TenantNamespaceNaming.instance();
        }

        @Override
        public BrokerAdmin admin() {
            return new BrokerAdmin() {
                @Override
                public void ensureTopic(String topic, int partitions) {
                }

                @Override
                public void setBacklogQuota(String topic, BacklogQuota quota) {
                }

                @Override
                public void removeBacklogQuota(String topic) {
                }

                @Override
                public Optional<BacklogQuota> backlogQuota(String topic) {
                    return Optional.empty();
                }

                @Override
                public long backlog(String topic, String subscription) {
                    return 0;
                }
            };
        }
    }

    @Test
    void aSubscriptionTypeTheBackendLacksIsRefusedAtSubscribe() {
        try (LimitedBroker broker = new LimitedBroker()) {
            assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builder("orders", "audit")
                    .type(SubscriptionType.SHARED).build(), String.class, m -> { }))
                    .isInstanceOfSatisfying(UnsupportedFeatureException.class, e -> {
                        assertThat(e.backend()).isEqualTo("limited");
                        assertThat(e.feature()).isEqualTo("SHARED subscriptions");
                    })
                    .hasMessage("limited does not support SHARED subscriptions (needed to subscribe to 'orders' as "
                            + "'audit'); use one of [EXCLUSIVE, FAILOVER]");
            broker.subscribe(SubscribeOptions.builder("orders", "audit").build(), String.class, m -> { }).close();
        }
    }

    @Test
    void aPatternSubscriptionWithoutPatternsIsRefused() {
        try (LimitedBroker broker = new LimitedBroker()) {
            assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builderForPattern("orders-.*", "audit").build(),
                    String.class, m -> { }))
                    .isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("limited does not support TOPIC_PATTERNS")
                    .hasMessageContaining("subscribe to each topic");
        }
    }

    @Test
    void aDelayedPublishWithoutDelayedDeliveryFailsItsFutureAndSyncPublishThrows() {
        try (LimitedBroker broker = new LimitedBroker()) {
            Envelope later = Envelope.builder("orders", "x").codec("text").deliverAfter(Duration.ofSeconds(5)).build();
            CompletableFuture<MessageId> f = broker.publishAsync(later);
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("DELAYED_DELIVERY").hasMessageContaining("schedule the publish in your service");
            assertThatThrownBy(() -> broker.publish(later)).isInstanceOf(UnsupportedFeatureException.class);
            assertThat(broker.publish(Envelope.builder("orders", "now").codec("text").build())).isNotNull();
        }
    }

    @Test
    void aRetryTopicNeedsDelayedDeliveryOneTopicAndASingleMessageHandler() {
        RetryPolicy policy = RetryPolicy.builder().retryTopicFrom(Duration.ofMinutes(1)).build();
        try (LimitedBroker broker = new LimitedBroker()) {
            assertThatThrownBy(() -> broker.subscribe(SubscribeOptions.builder("orders", "audit").retry(policy).build(),
                    String.class, m -> { }))
                    .isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("DELAYED_DELIVERY").hasMessageContaining("with a retry topic");
            assertThatThrownBy(() -> broker.subscribeBatch(SubscribeOptions.builder("orders", "audit").retry(policy)
                    .build(), String.class, batch -> { }))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("has a batch handler");
        }
        assertThatThrownBy(() -> RetryPolicy.builder().retryTopicFrom(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("retryTopicFrom must be positive");
    }

    @Test
    void capabilitiesAreValidatedAndQueryable() {
        Capabilities c = new LimitedBroker().capabilities();
        assertThat(c.supports(Capability.PARTITIONS)).isTrue();
        assertThat(c.supports(Capability.DELAYED_DELIVERY)).isFalse();
        assertThat(c.missing()).containsKeys(Capability.DELAYED_DELIVERY, Capability.TOPIC_PATTERNS);
        assertThatThrownBy(() -> Capabilities.builder("x").subscriptionTypes().maxPayloadBytes(-1)
                .without(Capability.RETENTION, "none").note(Capability.RETENTION, "kept").build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3));
    }
}
