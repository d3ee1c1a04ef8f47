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
        return start(jdbcUrl, null);
    }

    private UbaServices start(String jdbcUrl, java.nio.file.Path configFile) {
        UbaConfig config = UbaConfig.load(configFile, Map.of()).with(null, jdbcUrl, "127.0.0.1:0");
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
    void twoSaverInstancesShareTheSubscriptionAndStoreEveryBatchedReportOnce() throws Exception {
        UbaConfig config = UbaConfig.load(null, Map.of()).with(null, h2(), "127.0.0.1:0");
        services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), Database.open(config.data().database()))
                .saverInstances(2);
        services.startSaver();
        services.startGateway();
        UbaMain.Summary s = UbaMain.run(services, 4_000, 8, 100, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(s.failureSamples()).isEmpty();
        assertThat(s.accepted()).isEqualTo(4_000);
        Await.until(WAIT, () -> services.database().storedRows() == 4_000, () -> "rows " + services.database().storedRows());
        assertThat(services.database().count("realtime_warehousing")).isEqualTo(3_000);
        assertThat(services.database().count("acceptance_status")).isEqualTo(1_000);
        assertDatabasePercentilesMatchEveryLatency(services.database());
        java.util.List<io.courier.SubscriptionHealth> health = services.saverHealth();
        assertThat(health).hasSize(4);   // two instances, two topics each
        assertThat(health.stream().mapToLong(io.courier.SubscriptionHealth::processed).sum()).isEqualTo(4_000);
        assertThat(health).allSatisfy(h -> assertThat(h.processed()).as(h.toString()).isPositive());   // both instances worked
        System.out.printf("[uba] two saver instances, 4,000 reports in batches of 100: processed per subscription %s%n",
                health.stream().map(h -> h.topic() + "=" + h.processed()).toList());
        assertThatNoDuplicates();
    }

    /** The percentile the database computes (GatewayBench's) is the one taken from every latency (the demo's). */
    static void assertDatabasePercentilesMatchEveryLatency(Database database) {
        java.util.List<Long> all = database.latenciesMicros();
        assertThat(all).isNotEmpty();
        for (double p : new double[] {0.5, 0.99, 1.0}) {
            assertThat(database.latencyPercentileMicros(p)).as("p%s", p).hasValue(all.get((int) Math.ceil(p * all.size()) - 1));
        }
    }

    private void assertThatNoDuplicates() {
        PipelineChecks.assertEachReportStoredOnce(services.database(), 4_000);
        assertThat(services.saver().stored()).isEqualTo(4_000);
        assertThat(services.saver().duplicatesSuppressed()).isZero();
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
                    .startsWith("413 ").contains("exceeds 65536 bytes");
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
    void aBatchStoresItsGoodReportsAndAnswersEachOneInOrder() throws Exception {
        start(h2());
        String array = "[" + report("a1") + "," + report("a2")
                + ",{\"report_type\":\"bogus\",\"app_id\":\"a\",\"event_name\":\"e\",\"content\":\"c\"}," + report("a3")
                + ",42,{\"report_type\":\"event\",\"app_id\":7,\"event_name\":\"e\",\"content\":\"c\"}]";
        HttpResponse<String> r = postTo("/agent/v1/reports", array, "application/json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("{\"code\":0,\"msg\":\"3 stored, 3 rejected, 0 not stored\",\"stored\":3,\"rejected\":3,"
                + "\"not_stored\":0,\"results\":[{\"code\":0,\"msg\":\"success\"},{\"code\":0,\"msg\":\"success\"},"
                + "{\"code\":400,\"msg\":\"report_type must be 'event' or 'user', got 'bogus'\"},{\"code\":0,\"msg\":\"success\"},"
                + "{\"code\":400,\"msg\":\"a report must be a JSON object, got a number\"},"
                + "{\"code\":400,\"msg\":\"app_id must be a string, got a number\"}]}");

        // newline-delimited JSON: a broken line is that report's problem only
        String lines = report("n1") + "\n{broken\n\n" + report("n2") + "\r\n";
        HttpResponse<String> nd = postTo("/agent/v1/reports", lines, "application/x-ndjson; charset=utf-8");
        assertThat(nd.statusCode()).isEqualTo(200);
        assertThat(nd.body()).contains("\"stored\":2,\"rejected\":1,\"not_stored\":0")
                .contains("{\"code\":400,\"msg\":\"malformed JSON: ");

        Await.until(WAIT, () -> services.database().storedRows() == 5, () -> "rows " + services.database().storedRows());
        assertThat(storedContents()).containsExactlyInAnyOrder("a1", "a2", "a3", "n1", "n2");
        assertThat(services.gateway().accepted()).isEqualTo(5);
        assertThat(services.gateway().rejected()).isEqualTo(4);
    }

    @Test
    void aBatchOverItsLimitsOrUnreadableIsRefusedWholeAndStoresNothing() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("uba-limits", ".yaml");
        java.nio.file.Files.writeString(file, "server:\n  http:\n    max_batch_reports: 10\n    max_batch_bytes: 4096\n");
        start(h2(), file);
        StringBuilder eleven = new StringBuilder("[");
        for (int i = 0; i < 11; i++) {
            eleven.append(i == 0 ? "" : ",").append(report("r" + i));
        }
        HttpResponse<String> tooMany = postTo("/agent/v1/reports", eleven.append("]").toString(), "application/json");
        assertThat(tooMany.statusCode() + " " + tooMany.body()).isEqualTo("400 {\"code\":400,\"msg\":\"a batch holds at most 10 reports\"}");
        String big = "[" + report("x".repeat(5_000)) + "]";
        HttpResponse<String> tooBig = postTo("/agent/v1/reports", big, "application/json");
        assertThat(tooBig.statusCode() + " " + tooBig.body()).isEqualTo("413 {\"code\":413,\"msg\":\"request body exceeds 4096 bytes\"}");
        assertThat(postTo("/agent/v1/reports", "[]", "application/json").body()).contains("the batch holds no report");
        assertThat(postTo("/agent/v1/reports", "[" + report("t1") + ",{", "application/json").body())
                .startsWith("{\"code\":400,\"msg\":\"malformed JSON: ");
        assertThat(postTo("/agent/v1/reports", report("t2"), "application/json").body())
                .contains("a batch must be a JSON array of reports");
        assertThat(postTo("/agent/v1/reports", "[]", "application/json").statusCode()).isEqualTo(400);

        // the same gateway still takes a good batch, and only its reports are stored
        assertThat(postTo("/agent/v1/reports", "[" + report("ok") + "]", "application/json").statusCode()).isEqualTo(200);
        Await.until(WAIT, () -> services.database().storedRows() == 1, () -> "rows " + services.database().storedRows());
        assertThat(storedContents()).containsExactly("ok");
    }

    private static String report(String content) {
        return "{\"report_type\":\"event\",\"app_id\":\"batch\",\"event_name\":\"e\",\"content\":\"" + content + "\"}";
    }

    private java.util.List<String> storedContents() throws java.sql.SQLException {
        java.util.List<String> contents = new java.util.ArrayList<>();
        try (java.sql.Connection c = services.database().dataSource().getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT report_data FROM realtime_warehousing")) {
            while (rs.next()) {
                contents.add(rs.getString(1));
            }
        }
        return contents;
    }

    private HttpResponse<String> postTo(String path, String body, String contentType) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(services.gatewayUri() + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSaverProcessKilledMidStreamAndReplacedStoresEveryReportExactlyOnce() throws Exception {
        PipelineChecks.crashedSaverProcessStoresEveryReportOnce(pulsar.serviceUrl(), pulsar.httpUrl(), "Pulsar, PostgreSQL");
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
