package io.courier.pulsar.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedPulsarTest {

    @Test
    void startsStopsAndRestartsOnTheSameData() {
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build()) {
            pulsar.start();
            assertThat(pulsar.isRunning()).isTrue();
            System.out.println("[embedded-pulsar] cold start " + pulsar.lastStartupTime().toMillis() + " ms");
            pulsar.restart(false);
            System.out.println("[embedded-pulsar] restart after SIGTERM " + pulsar.lastStartupTime().toMillis() + " ms");
            pulsar.restart(true);
            System.out.println("[embedded-pulsar] restart after SIGKILL " + pulsar.lastStartupTime().toMillis() + " ms");
            assertThat(pulsar.isRunning()).isTrue();
        }
    }
}
