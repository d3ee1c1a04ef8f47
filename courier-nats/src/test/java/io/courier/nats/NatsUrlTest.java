package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.nats.embedded.EmbeddedNats;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How a {@code nats://} URL and settings become NATS settings, and what a user sees when the server is not there or
 * refuses the login: one line, fast, without the secret.
 */
class NatsUrlTest {

    private static NatsSettings parse(String url, Map<String, String> properties) {
        return NatsSettings.from(URI.create(url), properties, Map.of());
    }

    @Test
    void serversPortsAndTls() {
        assertThat(parse("nats://n1.example.com,n2.example.com:4333", Map.of()).servers())
                .containsExactly("nats://n1.example.com:4222", "nats://n2.example.com:4333");
        assertThat(parse("tls://n1:4443", Map.of()).servers()).containsExactly("tls://n1:4443");
        assertThat(parse("nats://h?replicas=3&storage=MEMORY", Map.of()).get(NatsSettings.REPLICAS)).isEqualTo(3L);
    }

    @Test
    void badUrlsAndSettingsAreRefusedWithEveryProblemNamed() {
        assertThatThrownBy(() -> parse("nats:///", Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names no NATS server");
        assertThatThrownBy(() -> parse("nats://a:4222,b:x", Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'b:x' is not host[:port]");
        assertThatThrownBy(() -> parse("nats://user:pw-in-url@a:4222", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("username and password")
                .hasMessageNotContaining("pw-in-url");
        assertThatThrownBy(() -> parse("nats://a?replicas=9&colour=red", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("replicas").hasMessageContaining("colour");
        assertThatThrownBy(() -> parse("nats://a", Map.of("username", "u")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("username and password go together");
        assertThatThrownBy(() -> parse("nats://a", Map.of("token", "t0k3n-secret", "username", "u", "password", "p")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("one way to log in")
                .hasMessageNotContaining("t0k3n-secret");
        assertThatThrownBy(() -> parse("nats://a", Map.of("credentialsFile", "/no/such.creds")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("credentialsFile '/no/such.creds' is not a readable file");
    }

    @Test
    void aServerThatIsNotThereFailsTheOpenInOneLine() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open("nats://127.0.0.1:1?connectTimeoutMs=2000", BrokerOptions.builder()
                .property("token", "token-that-must-not-show").build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("cannot open nats://127.0.0.1:1")
                .hasMessageContaining("is it running, and are host and port right?")
                .hasMessageNotContaining("token-that-must-not-show");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void wrongCredentialsAreRefusedFastWithoutTheSecret() {
        try (EmbeddedNats nats = EmbeddedNats.builder().user("svc", "right-pw").build().start()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Brokers.open(nats.url(), BrokerOptions.builder().property("username", "svc")
                    .property("password", "wrong-pw-must-not-show").build()))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("refused the credentials")
                    .hasMessageNotContaining("wrong-pw-must-not-show");
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.println("[nats] wrong password refused in " + ms + " ms");
            // the client waits out connectTimeoutMs (2 s) after the server's "Authorization Violation"
            assertThat(ms).isLessThan(6_000);
            try (var broker = Brokers.open(nats.url(), BrokerOptions.builder().property("username", "svc")
                    .property("password", "right-pw").build())) {
                assertThat(broker.capabilities().backend()).isEqualTo("nats");
            }
        }
    }
}
