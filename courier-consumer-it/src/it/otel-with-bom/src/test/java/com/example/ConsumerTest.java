package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.otel.CourierTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void aPublishIsTracedWithTheBomAlignedVersions() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
             Broker broker = CourierTelemetry.builder(otel).build().instrument(Brokers.open("memory://otel-consumer"))) {
            broker.publish(Envelope.builder("traced", "x").codec("text").build());
            assertEquals("publish traced", spans.getFinishedSpanItems().get(0).getName());
        }
    }
}
