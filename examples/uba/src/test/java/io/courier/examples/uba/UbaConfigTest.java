package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UbaConfigTest {

    @Test
    void defaultsLoadAndTheEnvironmentOverrides() {
        UbaConfig c = UbaConfig.load(null, Map.of("UBA_DATA_PULSAR_URL", "pulsar://broker:6650",
                "UBA_DATA_DATABASE_PASSWORD", "hunter2"));
        assertThat(c.data().pulsar().url()).isEqualTo("pulsar://broker:6650");
        assertThat(c.data().pulsar().codec()).isEqualTo("json");
        assertThat(c.port()).isEqualTo(8800);
        assertThat(c.toString()).doesNotContain("hunter2");
    }

    @Test
    void everyProblemIsListed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "server:\n  http:\n    addr: nowhere\n    max_body_bytes: 10\n"
                + "data:\n  pulsar:\n    url: mqtt://x\n    codec: avro\n  database:\n    url: postgres://x\n");
        assertThatThrownBy(() -> UbaConfig.load(file, Map.of()))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(5));
    }

    @Test
    void unknownKeysAreRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("typo.yaml");
        Files.writeString(file, "server:\n  htp:\n    addr: 1.2.3.4:80\n");
        assertThatThrownBy(() -> UbaConfig.load(file, Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("htp");
    }

    /** Reliability scenario 6, the configuration half: every invalid value is rejected with a message naming its key. */
    @Test
    void everyInvalidValueIsRejectedNamingItsKey(@TempDir Path dir) throws Exception {
        Map<String, List<String>> invalid = new LinkedHashMap<>();
        invalid.put("server.http.addr", List.of("nowhere", "host:port", "1.2.3.4:", ":99999999", "a b:80", "[]", "{}"));
        invalid.put("server.http.max_body_bytes", List.of("-1", "0", "255", "16777217", "lots", "[]", "1.5e99"));
        invalid.put("data.pulsar.url", List.of("mqtt://x:1883", "localhost:6650", "", "http://x", "[]"));
        invalid.put("data.pulsar.codec", List.of("avro", "", "JSON ", "[]"));
        invalid.put("data.pulsar.admin_url", List.of("ftp://x", "localhost:8080", "http://", "http://a b"));
        invalid.put("data.pulsar.tls_trust_certs_file", List.of(dir.resolve("missing.pem").toString(), dir.toString() + "/no/such"));
        invalid.put("data.pulsar.auth_token", List.of("Bearer abc", "two words"));
        invalid.put("data.pulsar.publish_timeout_ms", List.of("0", "-5", "99", "600001", "soon", "[]"));
        invalid.put("data.database.url", List.of("postgres://x", "", "h2:mem:x", "[]"));
        int cases = 0;
        for (Map.Entry<String, List<String>> e : invalid.entrySet()) {
            String[] path = e.getKey().split("\\.");
            for (String value : e.getValue()) {
                Path file = dir.resolve("case-" + cases++ + ".yaml");
                StringBuilder yaml = new StringBuilder();
                for (int depth = 0; depth < path.length - 1; depth++) {
                    yaml.append("  ".repeat(depth)).append(path[depth]).append(":\n");
                }
                String scalar = value.startsWith("[") || value.startsWith("{") ? value : "'" + value.replace("'", "''") + "'";
                yaml.append("  ".repeat(path.length - 1)).append(path[path.length - 1]).append(": ").append(scalar).append("\n");
                Files.writeString(file, yaml.toString());
                assertThatThrownBy(() -> UbaConfig.load(file, Map.of())).as("%s = %s", e.getKey(), value)
                        .isInstanceOf(ConfigurationException.class).hasMessageContaining(e.getKey());
            }
        }
        assertThat(cases).isGreaterThan(40);
        System.out.printf("[reliability] config-fuzz: %d invalid YAML values over %d keys, each rejected naming its key%n",
                cases, invalid.size());
    }

    @Test
    void invalidEnvironmentValuesAreRejectedNamingTheVariable() {
        assertThatThrownBy(() -> UbaConfig.load(null, Map.of("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS", "ten")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS");
        assertThatThrownBy(() -> UbaConfig.load(null, Map.of("UBA_SERVER_HTTP_ADDR", "nowhere")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("server.http.addr");
        assertThatThrownBy(() -> UbaConfig.load(null, Map.of("UBA_DATA_PULSAR_URL", "activemq://x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("data.pulsar.url");
    }

    @Test
    void theTokenNeverAppearsInTheConfigurationsText() {
        UbaConfig c = UbaConfig.load(null, Map.of("UBA_DATA_PULSAR_AUTH_TOKEN", "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig"));
        assertThat(c.toString()).doesNotContain("eyJhbGciOiJIUzI1NiJ9").contains("authToken=****");
        assertThat(c.data().pulsar().brokerOptions(null).toString()).doesNotContain("eyJhbGciOiJIUzI1NiJ9");
    }

    @Test
    void aSaverBatchSizeOutOfRangeIsRejected() {
        assertThatThrownBy(() -> new ReportSaver(null, null, 0)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("batch size");
        assertThatThrownBy(() -> new ReportSaver(null, null, 2_001)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("between 1 and 2000");
    }
}
