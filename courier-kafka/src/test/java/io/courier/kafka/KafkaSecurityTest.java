package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConnectException;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real Kafka that requires SASL/PLAIN: the right login works end to end, a wrong one fails fast without the secret. */
class KafkaSecurityTest {
    private static final String PASSWORD = "s3cret-courier-pw";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.builder().saslPlain("orders", PASSWORD).build().start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static BrokerOptions login(String user, String password) {
        return BrokerOptions.builder().property("saslMechanism", "PLAIN").property("saslUsername", user)
                .property("saslPassword", password).build();
    }

    @Test
    void theRightLoginPublishesAndConsumesAndNeverShowsThePassword() {
        try (Broker broker = Brokers.open("kafka://" + kafka.bootstrapServers(), login("orders", PASSWORD))) {
            assertThat(broker.url()).doesNotContain(PASSWORD);
            assertThat(broker.toString()).doesNotContain(PASSWORD);
            Recorder<String> rec = new Recorder<>();
            for (SubscriptionType type : new SubscriptionType[] {SubscriptionType.EXCLUSIVE, SubscriptionType.SHARED}) {
                String topic = "secure-" + type.name().toLowerCase();
                Subscription s = broker.subscribe(SubscribeOptions.builder(topic, "secure-" + type).type(type)
                        .initialPosition(InitialPosition.EARLIEST).build(), String.class, rec);
                Set<MessageId> sent = new HashSet<>();
                for (int i = 0; i < 20; i++) {
                    sent.add(broker.publish(Envelope.builder(topic, type + "-" + i).codec("text").build()));
                }
                rec.awaitIds(sent, Duration.ofSeconds(60));
                s.close(Duration.ofSeconds(10));
            }
            assertThat(rec.duplicates()).isZero();
        }
    }

    @Test
    void aWrongPasswordFailsTheOpenAtOnceSayingSoWithoutEitherPassword() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open("kafka://" + kafka.bootstrapServers(), login("orders", "wrong-pw-123")))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("refused the credentials")
                .hasMessageNotContaining("wrong-pw-123")
                .hasMessageNotContaining(PASSWORD);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[kafka] wrong SASL password refused in %d ms%n", took.toMillis());
        // refused by the broker at the first request, about 0.4 s: not by a timeout
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void noLoginAgainstASecuredClusterFailsTheOpenWithinItsTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open("kafka://" + kafka.bootstrapServers() + "?apiTimeoutMs=3000"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining(kafka.bootstrapServers());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[kafka] no login against a SASL listener: refused in %d ms (apiTimeoutMs 3000)%n", took.toMillis());
        assertThat(took).isLessThan(Duration.ofMillis(3_000 + 1_500));
    }
}
