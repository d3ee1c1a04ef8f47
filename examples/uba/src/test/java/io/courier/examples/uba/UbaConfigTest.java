package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
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
                + "data:\n  pulsar:\n    url: kafka://x\n    codec: avro\n  database:\n    url: postgres://x\n");
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
}
