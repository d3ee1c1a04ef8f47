package io.courier.examples.uba;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/**
 * The example's OpenTelemetry SDK: OTLP over HTTP to {@code otlpEndpoint} (traces and metrics) when one is given,
 * and a Prometheus scrape endpoint ({@code http://127.0.0.1:PORT/metrics}) when a port is given. Never global.
 */
final class Telemetry {
    private Telemetry() {
    }

    static OpenTelemetrySdk create(String otlpEndpoint, int prometheusPort) {
        Resource resource = Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), "courier-uba")));
        SdkTracerProviderBuilder traces = SdkTracerProvider.builder().setResource(resource);
        SdkMeterProviderBuilder meters = SdkMeterProvider.builder().setResource(resource);
        if (otlpEndpoint != null) {
            String base = otlpEndpoint.endsWith("/") ? otlpEndpoint.substring(0, otlpEndpoint.length() - 1) : otlpEndpoint;
            traces.addSpanProcessor(BatchSpanProcessor.builder(
                    OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").build()).build());
            meters.registerMetricReader(PeriodicMetricReader.create(
                    OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics").build()));
        }
        if (prometheusPort > 0) {
            meters.registerMetricReader(PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(prometheusPort).build());
        }
        return OpenTelemetrySdk.builder().setTracerProvider(traces.build()).setMeterProvider(meters.build()).build();
    }
}
