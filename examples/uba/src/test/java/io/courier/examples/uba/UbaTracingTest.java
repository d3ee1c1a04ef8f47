package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.testkit.Await;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One report traced from the gateway's HTTP request to the saver's database insert, across the real embedded Pulsar. */
class UbaTracingTest {

    @Test
    void oneTraceFromHttpRequestToRowInsert() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        List<SpanData> finished;
        String jdbc = "jdbc:h2:mem:uba-trace-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
        UbaConfig config = UbaConfig.load(null, Map.of()).with(null, jdbc, "127.0.0.1:0");
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                     .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
             EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start();
             UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), Database.open(config.data().database()))) {
            services.withTelemetry(otel);
            services.startSaver();
            services.startGateway();
            HttpClient http = HttpClient.newHttpClient();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(services.gatewayUri() + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(services.gatewayUri() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(services.gatewayUri() + "/agent/v1/report"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"report_type\":\"event\",\"app_id\":\"a\",\"event_name\":\"click\",\"content\":\"{}\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            Await.until(Duration.ofSeconds(60), () -> spans.getFinishedSpanItems().stream().anyMatch(s -> s.getName().equals("INSERT realtime_warehousing")),
                    () -> "spans so far " + spans.getFinishedSpanItems().stream().map(SpanData::getName).toList());
            finished = spans.getFinishedSpanItems();   // before the SDK closes: shutting it down clears the exporter
        }
        SpanData request = one(finished, "POST /agent/v1/report");
        SpanData publish = one(finished, "publish " + Topics.EVENT);
        SpanData process = one(finished, "process persistent://public/default/" + Topics.EVENT);
        SpanData insert = one(finished, "INSERT realtime_warehousing");
        assertThat(List.of(publish.getTraceId(), process.getTraceId(), insert.getTraceId())).containsOnly(request.getTraceId());
        assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(process.getLinks()).anyMatch(l -> l.getSpanContext().getSpanId().equals(publish.getSpanId()));
        assertThat(insert.getParentSpanId()).isEqualTo(process.getSpanId());
        assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(insert.getKind()).isEqualTo(SpanKind.CLIENT);
        StringBuilder tree = new StringBuilder();
        String indent = "";
        for (SpanData s : List.of(request, publish, process, insert)) {
            tree.append(indent).append("- ").append(s.getName()).append(" [").append(s.getKind()).append("] trace=")
                    .append(s.getTraceId()).append(" span=").append(s.getSpanId()).append(" parent=").append(s.getParentSpanId())
                    .append(String.format(" %.2f ms%n", (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6));
            indent += "  ";
        }
        System.out.println("[uba] one trace, HTTP request to database insert:\n" + tree);
    }

    private static SpanData one(List<SpanData> spans, String name) {
        List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }
}
