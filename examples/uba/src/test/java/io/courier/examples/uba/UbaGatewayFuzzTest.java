package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reliability scenario 6, the gateway half: thousands of random and malformed requests from a seeded generator. Every
 * one is answered 2xx or 4xx (never a 5xx, never a dropped connection) while the broker is up; the gateway stays
 * healthy; exactly the accepted reports are published. With the broker down, a valid report is answered 503 within
 * the publish timeout, not hung and not faked.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class UbaGatewayFuzzTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int REQUESTS = 3_000;
    private static final long SEED = 20261126L;
    private static final String[] FIELDS = {"report_type", "app_id", "event_name", "content"};
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private UbaServices services;

    @AfterEach
    void stop() {
        if (services != null) {
            services.close();
        }
    }

    /** Ids of the messages the gateway published (confirmed by the broker), in the order confirmed. */
    private final java.util.Queue<io.courier.MessageId> publishedByGateway = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private UbaServices gateway(String brokerUrl, String adminUrl) {
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS", "3000"))
                .with(null, "jdbc:h2:mem:fuzz-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1", "127.0.0.1:0");
        services = UbaServices.on(config, brokerUrl, adminUrl, Database.open(config.data().database()))
                .gatewayBroker(b -> io.courier.core.PublishInterceptor.intercept(b, java.util.List.of((envelope, next) ->
                        next.apply(envelope).whenComplete((id, error) -> {
                            if (id != null) {
                                publishedByGateway.add(id);
                            }
                        }))));
        services.startGateway();
        return services;
    }

    @Test
    void randomAndMalformedRequestsAreAnswered4xxAndPublishNothing(EmbeddedPulsar pulsar) throws Exception {
        gateway(pulsar.serviceUrl(), pulsar.httpUrl());
        try (Broker probeBroker = Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build())) {
            Recorder<byte[]> published = new Recorder<>();
            String sub = "fuzz-probe-" + UUID.randomUUID();
            probeBroker.subscribe(SubscribeOptions.builder(Topics.EVENT, sub).initialPosition(InitialPosition.LATEST).build(), byte[].class, published);
            probeBroker.subscribe(SubscribeOptions.builder(Topics.USER, sub).initialPosition(InitialPosition.LATEST).build(), byte[].class, published);

            Random random = new Random(SEED);
            Map<String, Integer> byStatus = new TreeMap<>();
            Map<String, Integer> byKind = new TreeMap<>();
            int accepted = 0;
            for (int i = 0; i < REQUESTS; i++) {
                Request r = request(random);
                int status;
                try {
                    status = send(r);
                } catch (java.io.IOException e) {
                    throw new AssertionError("request " + i + " (" + r.kind + ", " + r.method + " " + r.path + "): no answer: "
                            + e.getMessage() + "; body " + r.shortBody(), e);
                }
                byStatus.merge(Integer.toString(status), 1, Integer::sum);
                byKind.merge(r.kind + " -> " + status, 1, Integer::sum);
                assertThat(status).as("request %d (%s): %s", i, r.kind, r.shortBody()).isBetween(200, 499);
                if (r.valid) {
                    assertThat(status).as("valid request %d: %s", i, r.shortBody()).isEqualTo(200);
                }
                if (status == 200) {
                    accepted++;
                }
            }
            int expected = accepted;
            published.awaitCount(expected, WAIT);
            assertThat(send(new Request("health", "GET", "/healthz", "", false))).isEqualTo(200);
            assertThat(send(new Request("valid", "POST", "/agent/v1/report", validBody(random), true))).isEqualTo(200);
            Await.until(WAIT, () -> published.count() == expected + 1, () -> "published " + published.count());
            System.out.printf("[reliability] gateway-fuzz: %d seeded requests (seed %d); statuses %s; %d accepted and "
                    + "published, %d published for rejected requests; none 5xx; by kind %s%n",
                    REQUESTS, SEED, byStatus, accepted, published.count() - 1 - accepted, byKind);
            assertThat(published.count()).isEqualTo(expected + 1);
            // by id: exactly the messages the gateway published arrived, each once; one publish per accepted report
            assertThat(publishedByGateway).hasSize(expected + 1).doesNotHaveDuplicates();
            assertThat(published.ids()).isEqualTo(new java.util.HashSet<>(publishedByGateway));
            assertThat(services.gateway().accepted()).isEqualTo(expected + 1);
            assertThat(services.gateway().unavailable()).isZero();
        }
    }

    @Test
    void withTheBrokerDownAValidReportIsAnswered503WithinThePublishTimeout() throws Exception {
        try (EmbeddedPulsar own = EmbeddedPulsar.builder().build().start()) {
            gateway(own.serviceUrl(), own.httpUrl());
            Random random = new Random(SEED);
            assertThat(send(new Request("valid", "POST", "/agent/v1/report", validBody(random), true))).isEqualTo(200);
            own.stop();
            long begin = System.nanoTime();
            Request report = new Request("valid", "POST", "/agent/v1/report", validBody(random), true);
            HttpResponse<String> r = http.send(report.http(services.gatewayUri()), HttpResponse.BodyHandlers.ofString());
            long ms = Duration.ofNanos(System.nanoTime() - begin).toMillis();
            System.out.printf("[reliability] gateway-broker-down: a valid report answered %d in %d ms (publish timeout 3 s): %s%n",
                    r.statusCode(), ms, r.body());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("report not stored");
            // the publish timeout (3 s) bounds the answer; one second more for the response itself
            assertThat(ms).isBetween(3_000L - 100, 3_000L + 1_000);
            assertThat(send(new Request("bad", "POST", "/agent/v1/report", "{not json", false))).isEqualTo(400);
            assertThat(send(new Request("health", "GET", "/healthz", "", false))).isEqualTo(200);
        }
    }

    @Test
    void overItsInFlightBoundTheGatewayAnswers503AtOnceAndPublishesNothingMore() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("uba-inflight", ".yaml");
        java.nio.file.Files.writeString(file, "server:\n  http:\n    max_in_flight: 4\n    max_batch_reports: 4\n");
        try (EmbeddedPulsar own = EmbeddedPulsar.builder().build().start()) {
            UbaConfig config = UbaConfig.load(file, Map.of("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS", "5000"))
                    .with(null, "jdbc:h2:mem:inflight-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1", "127.0.0.1:0");
            services = UbaServices.on(config, own.serviceUrl(), own.httpUrl(), Database.open(config.data().database()));
            services.startGateway();
            Random random = new Random(SEED);
            assertThat(send(new Request("valid", "POST", "/agent/v1/report", validBody(random), true))).isEqualTo(200);
            own.stop();   // from now on no publish is confirmed: each waits for the 5 s publish timeout
            java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> waiting = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(http.sendAsync(new Request("valid", "POST", "/agent/v1/report", validBody(random), true)
                        .http(services.gatewayUri()), HttpResponse.BodyHandlers.ofString()));
            }
            Await.until(WAIT, () -> services.gateway().inFlight() == 4, () -> "in flight " + services.gateway().inFlight());

            long begin = System.nanoTime();
            HttpResponse<String> one = http.send(new Request("valid", "POST", "/agent/v1/report", validBody(random), true)
                    .http(services.gatewayUri()), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> batch = http.send(new Request("valid", "POST", "/agent/v1/reports",
                    "[" + validBody(random) + "," + validBody(random) + "]", true).http(services.gatewayUri()),
                    HttpResponse.BodyHandlers.ofString());
            long ms = Duration.ofNanos(System.nanoTime() - begin).toMillis();
            System.out.printf("[reliability] gateway-in-flight-bound: 4 of 4 reports waiting for a stopped broker; "
                    + "the next report and batch answered %d and %d in %d ms: %s%n", one.statusCode(), batch.statusCode(), ms, one.body());
            assertThat(one.statusCode()).isEqualTo(503);
            assertThat(one.body()).contains("busy: 4 reports are already waiting for the broker");
            assertThat(batch.statusCode()).isEqualTo(503);
            assertThat(batch.body()).contains("busy: 4 reports are already waiting").contains("these 2 were not published");
            assertThat(ms).isLessThan(2_000);   // at once, well before the 5 s any waiting report still has
            assertThat(services.gateway().inFlight()).isEqualTo(4);

            for (var w : waiting) {
                HttpResponse<String> r = w.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).contains("report not stored");
            }
            Await.until(WAIT, () -> services.gateway().inFlight() == 0, () -> "in flight " + services.gateway().inFlight());
            assertThat(services.gateway().accepted()).isEqualTo(1);
            assertThat(services.gateway().unavailable()).isEqualTo(4 + 1 + 2);
        }
    }

    private record Request(String kind, String method, String path, String body, boolean valid) {
        HttpRequest http(URI base) {
            return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.ISO_8859_1)))
                    .build();
        }

        String shortBody() {
            return body.length() > 120 ? body.substring(0, 120) + "..." : body;
        }
    }

    private int send(Request r) throws Exception {
        return http.send(r.http(services.gatewayUri()), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A body as ISO-8859-1 characters, so random bytes travel unchanged. */
    private static Request request(Random random) {
        String report = "/agent/v1/report";
        return switch (random.nextInt(12)) {
            case 0 -> new Request("random bytes", "POST", report, randomBytes(random, random.nextInt(400)), false);
            case 1 -> new Request("empty body", "POST", report, "", false);
            case 2 -> new Request("truncated JSON", "POST", report, truncate(random, validBody(random)), false);
            case 3 -> new Request("one byte changed", "POST", report, mutate(random, validBody(random)), false);
            case 4 -> new Request("wrong field type", "POST", report, wrongType(random), false);
            case 5 -> new Request("missing field", "POST", report, missingField(random), false);
            case 6 -> new Request("over the size limit", "POST", report,
                    "{\"report_type\":\"event\",\"app_id\":\"a\",\"event_name\":\"e\",\"content\":\""
                            + "x".repeat(65_536 + random.nextInt(10_000)) + "\"}", false);
            case 7 -> new Request("wrong method", random.nextBoolean() ? "GET" : "PUT", report, "", false);
            case 8 -> new Request("unknown path", "POST", "/agent/v2/" + Integer.toHexString(random.nextInt()), validBody(random), false);
            case 9 -> new Request("JSON that is not an object", "POST", report,
                    new String[] {"[]", "null", "42", "\"s\"", "true", "[{\"report_type\":\"event\"}]"}[random.nextInt(6)], false);
            default -> new Request("valid", "POST", report, validBody(random), true);
        };
    }

    private static String validBody(Random random) {
        return "{\"report_type\":\"" + (random.nextInt(4) == 0 ? "user" : "event") + "\",\"app_id\":\"app-"
                + random.nextInt(50) + "\",\"event_name\":\"" + (random.nextBoolean() ? "click" : "view\\u00e9\\ud83d\\ude00")
                + "\",\"content\":\"" + escape(randomText(random, 1 + random.nextInt(200))) + "\"}";
    }

    private static String wrongType(Random random) {
        String field = FIELDS[random.nextInt(FIELDS.length)];
        String value = new String[] {"12", "[1,2]", "{\"a\":1}", "null", "true", "-1e309"}[random.nextInt(6)];
        String body = validBody(random);
        return body.replaceFirst("\"" + field + "\":\"([^\"\\\\]|\\\\.)*\"", "\"" + field + "\":" + java.util.regex.Matcher.quoteReplacement(value));
    }

    private static String missingField(Random random) {
        String field = FIELDS[random.nextInt(FIELDS.length)];
        return validBody(random).replaceFirst(",?\"" + field + "\":\"([^\"\\\\]|\\\\.)*\"", "").replace("{,", "{");
    }

    private static String truncate(Random random, String s) {
        return s.substring(0, random.nextInt(s.length() - 1));
    }

    private static String mutate(Random random, String s) {
        char[] c = s.toCharArray();
        int at = random.nextInt(c.length);
        String replacements = "{}[]\",:\\\u0000 x9";
        c[at] = replacements.charAt(random.nextInt(replacements.length()));
        return new String(c);
    }

    private static String randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String randomText(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) (0x20 + random.nextInt(0x5f)));
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
