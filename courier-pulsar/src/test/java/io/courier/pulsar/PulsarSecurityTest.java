package io.courier.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.ConnectException;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.TokenAuth;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker with token authentication, also listening with TLS: the right token works (plain and over TLS), a wrong or
 * missing token and an untrusted certificate fail fast and clearly.
 */
class PulsarSecurityTest {
    private static EmbeddedPulsar pulsar;

    @BeforeAll
    static void start() {
        pulsar = EmbeddedPulsar.builder().tokenAuth().tls().build().start();
    }

    @AfterAll
    static void stop() {
        pulsar.close();
    }

    private static PulsarOptions.Builder options() {
        return PulsarOptions.builder().adminUrl(pulsar.httpUrl()).connectionTimeout(Duration.ofSeconds(3))
                .operationTimeout(Duration.ofSeconds(5));
    }

    @Test
    void theRightTokenWorksForPublishSubscribeAndAdmin() {
        String topic = "secure-" + System.nanoTime();
        try (Broker broker = PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(),
                options().authToken(pulsar.superUserToken()).build())) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST).build(), String.class, rec);
            MessageId id = broker.publish(Envelope.builder(topic, "hello").codec("text").build());
            rec.awaitIds(Set.of(id), Duration.ofSeconds(30));
            // the admin API answers with the token, and the handled message was acknowledged
            Await.until(Duration.ofSeconds(30), () -> broker.admin().backlog(topic, "s") == 0,
                    () -> "backlog " + broker.admin().backlog(topic, "s"));
            assertThat(broker.toString()).doesNotContain(pulsar.superUserToken());
        }
    }

    @Test
    void aWrongTokenFailsFastWithoutShowingTheToken() {
        String wrong = TokenAuth.generate().tokenFor("courier-admin");
        long start = System.nanoTime();
        assertThatThrownBy(() -> PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(), options().authToken(wrong).build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("authentication failed")
                .hasMessageNotContaining(wrong)
                .satisfies(e -> assertThat(String.valueOf(e.getCause())).doesNotContain(wrong));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void aMissingTokenFailsFast() {
        assertThatThrownBy(() -> PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(), options().build()))
                .isInstanceOf(ConnectException.class).hasMessageContaining(pulsar.serviceUrl());
    }

    @Test
    void overTlsTheRightTokenWorksWhenTheCertificateIsTrusted() {
        String topic = "tls-" + System.nanoTime();
        try (Broker broker = PulsarBrokers.open(pulsar.tlsServiceUrl(), BrokerOptions.defaults(),
                options().adminUrl(pulsar.tlsHttpUrl()).authToken(pulsar.superUserToken())
                        .tlsTrustCertsFilePath(pulsar.tlsTrustCertsFile().toString()).build())) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST).build(), String.class, rec);
            MessageId id = broker.publish(Envelope.builder(topic, "over tls").codec("text").build());
            rec.awaitIds(Set.of(id), Duration.ofSeconds(30));
            // the admin API answers with the token, and the handled message was acknowledged
            Await.until(Duration.ofSeconds(30), () -> broker.admin().backlog(topic, "s") == 0,
                    () -> "backlog " + broker.admin().backlog(topic, "s"));
        }
    }

    @Test
    void anUntrustedCertificateFailsInSecondsNamingTheSetting() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> PulsarBrokers.open(pulsar.tlsServiceUrl(), BrokerOptions.defaults(),
                options().authToken(pulsar.superUserToken()).build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("tlsTrustCertsFilePath")
                .hasMessageNotContaining(pulsar.superUserToken());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
