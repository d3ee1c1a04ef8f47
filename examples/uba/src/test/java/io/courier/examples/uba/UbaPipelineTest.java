package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The article's pipeline end to end: HTTP -> gateway -> real embedded Pulsar -> saver -> H2. */
class UbaPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static EmbeddedPulsar pulsar;
    private UbaServices services;

    @BeforeAll
    static void startPulsar() {
        pulsar = EmbeddedPulsar.builder().build().start();
    }

    @AfterAll
    static void stopPulsar() {
        pulsar.close();
    }

    @AfterEach
    void stopServices() {
        if (services != null) {
            services.close();
        }
    }

    private UbaServices start(String jdbcUrl) {
        UbaConfig config = UbaConfig.load(null, Map.of()).with(null, jdbcUrl, "127.0.0.1:0");
        services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), Database.open(config.data().database()));
        services.startSaver();
        services.startGateway();
        return services;
    }

    private static String h2() {
        return "jdbc:h2:mem:uba-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
    }

    @Test
    void everyReportSentOverHttpIsStoredOnce() throws Exception {
        start(h2());
        PipelineChecks.everyReportStoredOnce(services, "H2");
    }

    @Test
    void badRequestsAnswer400AndPublishNothing() throws Exception {
        start(h2());
        try (Broker probeBroker = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            Recorder<byte[]> probe = new Recorder<>();
            String sub = "probe-" + UUID.randomUUID();
            probeBroker.subscribe(SubscribeOptions.builder(Topics.EVENT, sub).initialPosition(InitialPosition.LATEST).codec("bytes").build(), byte[].class, probe);
            probeBroker.subscribe(SubscribeOptions.builder(Topics.USER, sub).initialPosition(InitialPosition.LATEST).codec("bytes").build(), byte[].class, probe);

            assertThat(post("{not json")).startsWith("400 ").contains("malformed JSON");
            assertThat(post("{\"report_type\":\"event\"}")).startsWith("400 ")
                    .contains("app_id is required").contains("event_name is required").contains("content is required");
            assertThat(post("{\"report_type\":\"bogus\",\"app_id\":\"a\",\"event_name\":\"e\",\"content\":\"c\"}"))
                    .startsWith("400 ").contains("report_type must be");
            assertThat(post("{\"report_type\":\"event\",\"app_id\":\"a\",\"event_name\":\"e\",\"content\":\"" + "x".repeat(70_000) + "\"}"))
                    .startsWith("400 ").contains("exceeds 65536 bytes");
            assertThat(post("{\"report_type\":\"event\",\"app_id\":\"a\",\"unknown_field\":1}")).startsWith("400 ");
            assertThat(services.gateway().rejected()).isEqualTo(5);

            assertThat(post("{\"report_type\":\"event\",\"app_id\":\"a\",\"event_name\":\"marker\",\"content\":\"m\"}"))
                    .isEqualTo("200 {\"code\":0,\"msg\":\"success\"}");
            probe.awaitCount(1, WAIT);
            Await.until(WAIT, () -> services.database().storedRows() == 1, () -> "rows " + services.database().storedRows());
            assertThat(probe.count()).isEqualTo(1);
            assertThat(services.database().storedRows()).isEqualTo(1);
        }
    }

    @Test
    void aSaverKilledMidStreamAndRestartedStoresEveryReportExactlyOnce() throws Exception {
        start(h2());
        PipelineChecks.saverKilledMidStreamStoresEveryReportOnce(services, "Pulsar");
    }

    @Test
    void messagesWaitWhileTheDatabaseIsDownAndAreStoredWhenItReturns() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("uba-outage");
        String[] serverArgs = {"-tcpPort", Integer.toString(port), "-ifNotExists", "-baseDir", dir.toString()};
        Server db = Server.createTcpServer(serverArgs).start();
        String url = "jdbc:h2:tcp://127.0.0.1:" + port + "/uba;MODE=PostgreSQL";
        try {
            start(url);
            try (Broker probeBroker = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
                Recorder<byte[]> dead = new Recorder<>();
                String deadLetters = Topics.EVENT + "-" + Topics.SAVER_SUBSCRIPTION + "-DLQ";
                probeBroker.subscribe(SubscribeOptions.builder(deadLetters, "probe-" + UUID.randomUUID())
                        .initialPosition(InitialPosition.LATEST).codec("bytes").build(), byte[].class, dead);

                db.stop();                                     // the database goes away
                for (int i = 0; i < 100; i++) {
                    assertThat(post("{\"report_type\":\"event\",\"app_id\":\"a\",\"event_name\":\"e\",\"content\":\"" + i + "\"}"))
                            .startsWith("200 ");
                }
                Await.until(WAIT, () -> failedAttempts() >= 3, () -> "failed attempts so far: " + failedAttempts());
                db = Server.createTcpServer(serverArgs).start();   // and comes back
                Await.until(WAIT, () -> "100".equals(rowsOrError()), () -> "rows " + rowsOrError());
                assertThat(dead.count()).isZero();
                System.out.printf("[uba] database outage: %d failed attempts retried, 100 of 100 stored, 0 dead-lettered%n", failedAttempts());
            }
        } finally {
            db.stop();
        }
    }

    private long failedAttempts() {
        return services.saverHealth().stream().mapToLong(io.courier.SubscriptionHealth::failedAttempts).sum();
    }

    private String rowsOrError() {
        try {
            return Long.toString(services.database().storedRows());
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private String post(String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(services.gatewayUri() + "/agent/v1/report")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }
}
