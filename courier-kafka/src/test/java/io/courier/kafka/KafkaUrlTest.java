package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** URLs and settings: what is refused before anything connects, and that no secret is ever shown. */
class KafkaUrlTest {

    private static KafkaSettings settings(String url, Map<String, String> properties) {
        return KafkaSettings.from(URI.create(url), properties, Map.of());
    }

    @Test
    void serversSecurityAndNativeSettingsComeFromTheUrlAndProperties() {
        KafkaSettings s = settings("kafka+ssl://a:9093,b:9093?compression=zstd&client.client.dns.lookup=use_all_dns_ips",
                Map.of("saslMechanism", "SCRAM_SHA_512", "saslUsername", "svc", "saslPassword", "s3cr3t-pw"));
        assertThat(s.bootstrapServers()).isEqualTo("a:9093,b:9093");
        assertThat(s.get(KafkaSettings.COMPRESSION)).isEqualTo(KafkaSettings.Compression.ZSTD);
        var common = s.common("id");
        assertThat(common.get("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(common.get("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(common.get("client.dns.lookup")).isEqualTo("use_all_dns_ips");
        assertThat(s.toString()).doesNotContain("s3cr3t-pw");
    }

    @Test
    void badUrlsAndSettingsAreRefusedWithEveryProblemNamed() {
        assertThatThrownBy(() -> settings("kafka:///", Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names no Kafka server");
        assertThatThrownBy(() -> settings("kafka://a:9092,b", Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'b' is not host:port");
        assertThatThrownBy(() -> settings("kafka://user:pw@a:9092", Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("saslUsername").hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> settings("kafka://a:9092?lingerMs=soon&colour=red", Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lingerMs").hasMessageContaining("colour");
        assertThatThrownBy(() -> settings("kafka://a:9092", Map.of("saslMechanism", "PLAIN", "saslUsername", "u")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs saslUsername and saslPassword");
    }

    @Test
    void aClusterThatDoesNotAnswerFailsTheOpenInOneLineWithoutTheSecret() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open("kafka://127.0.0.1:1?apiTimeoutMs=2000", BrokerOptions.builder()
                .property("saslMechanism", "PLAIN").property("saslUsername", "svc")
                .property("saslPassword", "pw-that-must-not-show").build()))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("kafka://127.0.0.1:1")
                .hasMessageContaining("no answer within 2000 ms; is it running, and are host and port right?")
                .hasMessageNotContaining("pw-that-must-not-show");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void aTrustStoreThatCannotBeUsedIsAConfigurationErrorNamingTheSettingWithoutThePassword() throws Exception {
        String secret = "store-pw-must-not-show";
        assertThatThrownBy(() -> Brokers.open("kafka+ssl://127.0.0.1:1", BrokerOptions.builder()
                .property("tlsTruststorePassword", secret).build()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("tlsTruststorePassword is given but tlsTruststoreLocation is not")
                .hasMessageNotContaining(secret);
        assertThatThrownBy(() -> Brokers.open("kafka+ssl://127.0.0.1:1", BrokerOptions.builder()
                .property("tlsTruststoreLocation", "/no/such/store.p12").property("tlsTruststorePassword", secret).build()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("tlsTruststoreLocation '/no/such/store.p12' is not a readable file")
                .hasMessageNotContaining(secret);
        // a file that is no trust store: the Kafka client refuses to start, which is a configuration error too
        java.nio.file.Path garbage = java.nio.file.Files.createTempFile("not-a-store", ".p12");
        java.nio.file.Files.writeString(garbage, "this is not a key store");
        try {
            assertThatThrownBy(() -> Brokers.open("kafka+ssl://127.0.0.1:1", BrokerOptions.builder()
                    .property("tlsTruststoreLocation", garbage.toString()).property("tlsTruststorePassword", secret).build()))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("cannot create the admin client for kafka+ssl://127.0.0.1:1")
                    .hasMessageNotContaining(secret);
        } finally {
            java.nio.file.Files.delete(garbage);
        }
    }
}
