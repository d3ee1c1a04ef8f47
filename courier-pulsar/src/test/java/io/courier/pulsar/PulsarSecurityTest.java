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
import io.courier.embedded.ChildJvm;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.TokenAuth;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
        return PulsarOptions.builder().set(PulsarOptions.ADMIN_URL, pulsar.httpUrl())
                .set(PulsarOptions.CONNECTION_TIMEOUT, Duration.ofSeconds(3))
                .set(PulsarOptions.OPERATION_TIMEOUT, Duration.ofSeconds(5));
    }

    @Test
    void theRightTokenWorksForPublishSubscribeAndAdmin() {
        String topic = "secure-" + System.nanoTime();
        try (Broker broker = PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(),
                options().set(PulsarOptions.AUTH_TOKEN, pulsar.superUserToken()).build())) {
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
        assertThatThrownBy(() -> PulsarBrokers.open(pulsar.serviceUrl(), BrokerOptions.defaults(),
                options().set(PulsarOptions.AUTH_TOKEN, wrong).build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("the broker refused the credentials")
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
                options().set(PulsarOptions.ADMIN_URL, pulsar.tlsHttpUrl()).set(PulsarOptions.AUTH_TOKEN, pulsar.superUserToken())
                        .set(PulsarOptions.TLS_TRUST_CERTS, pulsar.tlsTrustCertsFile().toString()).build())) {
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
                options().set(PulsarOptions.AUTH_TOKEN, pulsar.superUserToken()).build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("tlsTrustCertsFilePath")
                .hasMessageNotContaining(pulsar.superUserToken());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    /**
     * A service whose loggers are all at DEBUG (a first step when a connection misbehaves) never logs its token: the
     * Pulsar admin client's shaded HTTP client prints request headers at DEBUG, and Courier holds that logger at INFO.
     */
    @Test
    void noLogLineHoldsTheTokenWithEveryLoggerAtDebugInAServiceProcess() throws Exception {
        {
            String token = pulsar.superUserToken();
            List<String> lines = new CopyOnWriteArrayList<>();
            int exit;
            try (ChildJvm child = ChildJvm.startWithLines(TokenClientProcess.class,
                    List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug"),
                    List.of(pulsar.serviceUrl(), pulsar.httpUrl()), lines::add, java.util.Map.of("COURIER_PULSAR_AUTH_TOKEN", token))) {
                exit = child.awaitEnd(Duration.ofMinutes(2));
            }
            assertThat(exit).as("exit code; last lines %s", lines.subList(Math.max(0, lines.size() - 20), lines.size())).isZero();
            assertThat(lines).contains("DONE");
            assertThat(lines.size()).as("DEBUG lines were written").isGreaterThan(100);
            // each line holding the token, with the log statement it belongs to (a request dump spans many lines)
            List<String> leaks = new java.util.ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(token)) {
                    int start = i;
                    while (start > 0 && !lines.get(start).matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.*")) {
                        start--;
                    }
                    leaks.add(lines.get(start) + " ... " + lines.get(i).replace(token, "<the token>"));
                }
            }
            System.out.printf("[pulsar] every logger at DEBUG: %d lines, %d with the token%n", lines.size(), leaks.size());
            assertThat(leaks).as("lines holding the token").isEmpty();
        }
    }
}
