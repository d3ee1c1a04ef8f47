package io.courier.pulsar.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.embedded.ParentWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class EmbeddedPulsarTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void startsStopsAndRestartsOnTheSameData() throws Exception {
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build()) {
            pulsar.start();
            assertThat(pulsar.isRunning()).isTrue();
            System.out.println("[embedded-pulsar] cold start " + pulsar.lastStartupTime().toMillis() + " ms");
            String topic = "embedded-data-" + UUID.randomUUID();
            URI topicUri = URI.create(pulsar.httpUrl() + "/admin/v2/persistent/public/default/" + topic);
            assertThat(http.send(HttpRequest.newBuilder(topicUri).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isBetween(200, 299);
            pulsar.restart(false);
            System.out.println("[embedded-pulsar] restart after SIGTERM " + pulsar.lastStartupTime().toMillis() + " ms");
            assertThat(topics(pulsar)).as("the topic made before the SIGTERM restart").contains(topic);
            pulsar.restart(true);
            System.out.println("[embedded-pulsar] restart after SIGKILL " + pulsar.lastStartupTime().toMillis() + " ms");
            assertThat(pulsar.isRunning()).isTrue();
            assertThat(topics(pulsar)).as("the topic made before the SIGKILL restart").contains(topic);
        }
    }

    private String topics(EmbeddedPulsar pulsar) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(pulsar.httpUrl()
                + "/admin/v2/persistent/public/default")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void theBrokerEndsWhenItsParentIsKilled() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "parent-death-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process parent = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                EmbeddedPulsarParent.class.getName(), dataDir.toAbsolutePath().toString()))
                .redirectErrorStream(true).start();
        long brokerPid = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("broker-pid=")) {
                    brokerPid = Long.parseLong(line.substring("broker-pid=".length()));
                    break;
                }
            }
            assertThat(brokerPid).as("the parent started a broker").isPositive();
            assertThat(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive)).contains(true);
            parent.destroyForcibly();   // SIGKILL: no shutdown hook of the parent runs
            assertThat(parent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            long deadline = killed + TimeUnit.SECONDS.toNanos(ParentWatch.HALT_AFTER_SECONDS + 10);
            while (ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            boolean alive = ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false);
            if (alive) {
                ProcessHandle.of(brokerPid).ifPresent(ProcessHandle::destroyForcibly);
            }
            assertThat(alive).as("broker JVM still running after its parent was SIGKILLed").isFalse();
            System.out.println("[embedded-pulsar] broker ended " + Duration.ofNanos(System.nanoTime() - killed).toMillis()
                    + " ms after its parent was SIGKILLed");
        } finally {
            parent.destroyForcibly();
        }
    }
}
