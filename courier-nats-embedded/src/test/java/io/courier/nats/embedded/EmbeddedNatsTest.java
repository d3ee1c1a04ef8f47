package io.courier.nats.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A private NATS server: a stream's acknowledged messages kept across SIGTERM and SIGKILL restarts on the same store,
 * ready within the goal, logins enforced when asked for.
 */
class EmbeddedNatsTest {

    @Test
    void startsStopsAndRestartsOnTheSameStore() throws Exception {
        try (EmbeddedNats nats = EmbeddedNats.builder().build()) {
            nats.start();
            long coldMs = nats.lastStartupTime().toMillis();
            System.out.println("[embedded-nats] cold start: " + coldMs + " ms");
            assertThat(nats.url()).startsWith("nats://127.0.0.1:");
            Set<String> sent = new HashSet<>();
            try (Connection c = Nats.connect(options(nats).build())) {
                JetStreamManagement jsm = c.jetStreamManagement();
                jsm.addStream(StreamConfiguration.builder().name("kept").subjects("kept")
                        .storageType(StorageType.File).build());
                for (int i = 0; i < 100; i++) {
                    String body = "m" + i;
                    c.jetStream().publish("kept", body.getBytes(StandardCharsets.UTF_8));
                    sent.add(body);
                }
            }
            int port = nats.port();

            nats.restart(false);
            System.out.println("[embedded-nats] restart after SIGTERM " + nats.lastStartupTime().toMillis() + " ms");
            assertThat(stored(nats)).as("messages acknowledged before the SIGTERM restart").isEqualTo(sent);

            nats.restart(true);
            System.out.println("[embedded-nats] restart after SIGKILL " + nats.lastStartupTime().toMillis() + " ms");
            assertThat(stored(nats)).as("messages acknowledged before the SIGKILL restart").isEqualTo(sent);
            assertThat(nats.port()).isEqualTo(port);
            assertThat(Files.readString(nats.logFile())).contains("Server is ready");
            // a few times the 0.2 to 0.5 s measured on a 2-core machine
            assertThat(coldMs).isLessThan(5_000);
        }
    }

    @Test
    void aServerWithAUserRefusesOthers() throws Exception {
        try (EmbeddedNats nats = EmbeddedNats.builder().user("svc", "right-pw").build().start()) {
            try (Connection c = Nats.connect(options(nats).userInfo("svc", "right-pw").build())) {
                assertThat(c.getStatus()).isEqualTo(Connection.Status.CONNECTED);
            }
            assertThatThrownBy(() -> Nats.connect(options(nats).userInfo("svc", "wrong").build()))
                    .hasMessageContaining("Authorization Violation");
        }
    }

    @Test
    void theServerIsInstalled() {
        assertThat(EmbeddedNats.installed()).isTrue();
    }

    private static Options.Builder options(EmbeddedNats nats) {
        return new Options.Builder().server(nats.url()).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0)
                .noReconnect();
    }

    private static Set<String> stored(EmbeddedNats nats) throws Exception {
        Set<String> bodies = new HashSet<>();
        try (Connection c = Nats.connect(options(nats).build())) {
            JetStreamManagement jsm = c.jetStreamManagement();
            long count = jsm.getStreamInfo("kept").getStreamState().getMsgCount();
            for (long seq = 1; seq <= count; seq++) {
                bodies.add(new String(jsm.getMessage("kept", seq).getData(), StandardCharsets.UTF_8));
            }
        }
        return bodies;
    }
}
