package io.courier.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.BacklogQuota;
import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.NonRetryableException;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.core.MessageServer;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Tracing and metrics with the SDK's in-memory exporters, across the real embedded Pulsar and memory://. */
@ExtendWith(EmbeddedPulsarExtension.class)
class CourierTelemetryTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private InMemorySpanExporter spans;
    private InMemoryMetricReader metrics;
    private OpenTelemetrySdk otel;
    private CourierTelemetry telemetry;

    @BeforeEach
    void sdk() {
        spans = InMemorySpanExporter.create();
        metrics = InMemoryMetricReader.create();
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build();
        telemetry = CourierTelemetry.builder(otel).build();
    }

    @AfterEach
    void close() {
        otel.close();
    }

    private static Broker pulsar(EmbeddedPulsar pulsar) {
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    @Test
    void aTraceStartedBeforePublishContinuesIntoTheHandlerAcrossPulsar(EmbeddedPulsar pulsar) {
        String topic = "otel-" + UUID.randomUUID();
        try (Broker broker = telemetry.instrument(pulsar(pulsar))) {
            MessageServer server = MessageServer.builder(broker).use(telemetry.middleware()).build();
            server.register(SubscribeOptions.builder(topic, "saver").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, m -> otel.getTracer("test").spanBuilder("insert row").startSpan().end());
            server.start();
            Span request = otel.getTracer("test").spanBuilder("POST /agent/v1/report").setSpanKind(SpanKind.SERVER).startSpan();
            try (Scope ignored = request.makeCurrent()) {
                broker.publish(Envelope.builder(topic, "hello").codec("text").build());
            } finally {
                request.end();
            }
            Await.until(WAIT, () -> named("insert row").size() == 1, () -> "spans " + names());
            server.stop(Duration.ofSeconds(5));
        }
        SpanData http = named("POST /agent/v1/report").get(0);
        SpanData publish = named("publish " + topic).get(0);
        SpanData process = named("process persistent://public/default/" + topic).get(0);
        SpanData insert = named("insert row").get(0);
        assertThat(List.of(publish.getTraceId(), process.getTraceId(), insert.getTraceId())).containsOnly(http.getTraceId());
        assertThat(publish.getParentSpanId()).isEqualTo(http.getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(insert.getParentSpanId()).isEqualTo(process.getSpanId());
        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(publish.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("pulsar");
        assertThat(publish.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo(topic);
        assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name"))).isEqualTo("saver");
        assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.message.id")))
                .isEqualTo(publish.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
        System.out.println("[otel] one trace, HTTP request to row insert:\n" + tree(List.of(http, publish, process, insert)));
    }

    @Test
    void failuresRetriesAndDeadLettersAreRecordedAndCounted() {
        String topic = "otel-" + UUID.randomUUID();
        try (Broker broker = telemetry.instrument(Brokers.open("memory://otel"))) {
            MessageServer server = MessageServer.builder(broker).use(telemetry.middleware()).build();
            server.register(SubscribeOptions.builder(topic, "s").retry(RetryPolicy.builder().maxAttempts(3)
                    .initialBackoff(Duration.ofMillis(1)).build()).build(), String.class, m -> {
                        if (m.payload().equals("poison")) {
                            throw new NonRetryableException("not a report");
                        }
                        if (m.payload().startsWith("flaky") && m.attempt() == 1) {
                            throw new IllegalStateException("database busy");
                        }
                    });
            server.start();
            for (int i = 0; i < 10; i++) {
                broker.publish(Envelope.builder(topic, "ok-" + i).codec("text").build());
            }
            for (int i = 0; i < 3; i++) {
                broker.publish(Envelope.builder(topic, "flaky-" + i).codec("text").build());
            }
            broker.publish(Envelope.builder(topic, "poison").codec("text").build());
            Await.until(WAIT, () -> counter("messaging.client.consumed.messages") == 13 && counter("courier.process.dead_lettered") == 1,
                    () -> "consumed " + counter("messaging.client.consumed.messages"));
            server.stop(Duration.ofSeconds(5));
        }
        assertThat(counter("messaging.client.sent.messages")).isEqualTo(14);
        assertThat(counter("courier.process.failed")).isEqualTo(4);
        assertThat(counter("courier.process.retried")).isEqualTo(3);
        assertThat(counter("courier.process.dead_lettered")).isEqualTo(1);
        List<SpanData> processes = spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("process")).toList();
        assertThat(processes).hasSize(10 + 3 * 2 + 1);
        assertThat(processes.stream().filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)).hasSize(4);
        assertThat(processes.stream().filter(s -> s.getEvents().stream().anyMatch(e -> e.getName().equals("retry")))).hasSize(3);
    }

    @Test
    void deadLettersAreCountedOnlyWhenPublishedAndDecodeFailuresAreCounted() {
        String topic = "otel-" + UUID.randomUUID();
        String dlq = topic + "-s-DLQ";
        try (Broker broker = telemetry.instrument(Brokers.open("memory://otel"))) {
            // the dead-letter topic takes the 8-byte message, then refuses the 17-byte one for its backlog quota (20 bytes)
            broker.subscribe(SubscribeOptions.builder(dlq, "holder").build(), byte[].class, m -> { }).close();
            broker.admin().setBacklogQuota(dlq, BacklogQuota.ofBytes(20));
            MessageServer server = MessageServer.builder(broker).use(telemetry.middleware()).build();
            server.register(SubscribeOptions.builder(topic, "s").retry(RetryPolicy.none()).build(), Report.class, m -> {
                throw new IllegalStateException("cannot store " + m.payload().name());
            });
            server.start();
            broker.publish(Envelope.builder(topic, "not json").codec("text").build());
            Await.until(WAIT, () -> counter("courier.process.decode_failed") == 1
                    && counter("courier.process.dead_lettered") == 1, () -> "decode_failed " + counter("courier.process.decode_failed") + ", dead_lettered " + counter("courier.process.dead_lettered") + ", dead_letter_failed " + counter("courier.process.dead_letter_failed"));
            broker.publish(Envelope.of(topic, new Report("second")));
            Await.until(WAIT, () -> counter("courier.process.dead_letter_failed") >= 1,
                    () -> "failed dead-letter publish not counted");
            server.stop(Duration.ofSeconds(5));
        }
        assertThat(counter("courier.process.dead_lettered")).as("only the decode failure reached the topic").isEqualTo(1);
        assertThat(counter("courier.process.failed")).as("handler attempts that threw").isGreaterThanOrEqualTo(1);
    }

    /** A JSON payload for the decode-failure test. */
    public record Report(String name) {
    }

    @Test
    void aBatchSpanLinksToEachProducerSpan() {
        String topic = "otel-" + UUID.randomUUID();
        try (Broker broker = telemetry.instrument(Brokers.open("memory://otel"))) {
            MessageServer server = MessageServer.builder(broker).use(telemetry.middleware()).build();
            server.registerBatch(SubscribeOptions.builder(topic, "s").batchSize(5).batchWait(Duration.ofSeconds(1)).build(),
                    String.class, batch -> { });
            server.start();
            for (int i = 0; i < 5; i++) {
                broker.publish(Envelope.builder(topic, "m" + i).codec("text").build());
            }
            Await.until(WAIT, () -> counter("messaging.client.consumed.messages") == 5, () -> "batch not handled");
            server.stop(Duration.ofSeconds(5));
        }
        SpanData batch = spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("process")).findFirst().orElseThrow();
        Set<String> producers = spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("publish"))
                .map(SpanData::getSpanId).collect(Collectors.toSet());
        assertThat(batch.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count"))).isEqualTo(5);
        assertThat(producers).contains(batch.getParentSpanId());
        assertThat(batch.getLinks().stream().map(l -> l.getSpanContext().getSpanId()).collect(Collectors.toSet())).isEqualTo(producers);
    }

    private List<SpanData> named(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    }

    private List<String> names() {
        return spans.getFinishedSpanItems().stream().map(SpanData::getName).toList();
    }

    private long counter(String name) {
        long sum = 0;
        for (MetricData m : metrics.collectAllMetrics()) {
            if (m.getName().equals(name)) {
                sum += m.getLongSumData().getPoints().stream().mapToLong(p -> p.getValue()).sum();
            }
        }
        return sum;
    }

    private static String tree(List<SpanData> spans) {
        StringBuilder sb = new StringBuilder();
        String indent = "";
        for (SpanData s : spans) {
            sb.append(indent).append("- ").append(s.getName()).append(" [").append(s.getKind()).append("] trace=")
                    .append(s.getTraceId()).append(" span=").append(s.getSpanId()).append(" parent=").append(s.getParentSpanId())
                    .append(String.format(" %.2f ms", (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6)).append('\n');
            indent += "  ";
        }
        return sb.toString();
    }
}
