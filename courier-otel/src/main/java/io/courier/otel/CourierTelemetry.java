package io.courier.otel;

import io.courier.Broker;
import io.courier.core.Middleware;
import io.courier.core.PublishInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.Objects;

/**
 * OpenTelemetry for Courier: a {@link PublishInterceptor} that starts a PRODUCER span per publish and writes the
 * W3C {@code traceparent}/{@code tracestate}/{@code baggage} headers, and a {@link Middleware} that continues the
 * trace in a CONSUMER span per handler attempt (a batch span continues the first message's trace and links to every
 * message's producer span), records errors,
 * retries and dead-lettering, and keeps messaging metrics. Built from the {@link OpenTelemetry} you give it; the
 * global instance is never touched.
 *
 * <pre>{@code
 * CourierTelemetry telemetry = CourierTelemetry.builder(openTelemetry).messagingSystem("pulsar").build();
 * Broker traced = telemetry.instrument(broker);                        // publishes traced
 * MessageServer server = MessageServer.builder(traced).use(telemetry.middleware()).build();
 * }</pre>
 *
 * <p>Span names and attributes follow the OpenTelemetry messaging semantic conventions ({@code publish <topic>},
 * {@code process <topic>}, {@code messaging.system}, {@code messaging.destination.name},
 * {@code messaging.message.id}, {@code messaging.consumer.group.name}, {@code messaging.batch.message_count}).
 * Defaults: messaging system {@code pulsar}, W3C trace-context and baggage propagation. Thread-safe.
 */
public final class CourierTelemetry {
    private final TracingPublishInterceptor interceptor;
    private final TracingMiddleware middleware;

    private CourierTelemetry(Builder b) {
        MessagingMetrics metrics = new MessagingMetrics(b.openTelemetry.getMeter("io.courier"), b.system);
        this.interceptor = new TracingPublishInterceptor(b.openTelemetry.getTracer("io.courier"), b.propagator, b.system, metrics);
        this.middleware = new TracingMiddleware(b.openTelemetry.getTracer("io.courier"), b.propagator, b.system, metrics);
    }

    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(openTelemetry);
    }

    public PublishInterceptor publishInterceptor() {
        return interceptor;
    }

    public Middleware middleware() {
        return middleware;
    }

    /** {@code broker} with traced publishes (see {@link PublishInterceptor#intercept}). */
    public Broker instrument(Broker broker) {
        return PublishInterceptor.intercept(broker, List.of(interceptor));
    }

    /** Builds {@link CourierTelemetry}; not thread-safe. */
    public static final class Builder {
        private final OpenTelemetry openTelemetry;
        private String system = "pulsar";
        private TextMapPropagator propagator = TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(),
                W3CBaggagePropagator.getInstance());

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
        }

        /** The {@code messaging.system} attribute (default {@code pulsar}). */
        public Builder messagingSystem(String system) {
            this.system = Objects.requireNonNull(system);
            return this;
        }

        /** How context travels in headers (default W3C trace context plus baggage). */
        public Builder propagator(TextMapPropagator propagator) {
            this.propagator = Objects.requireNonNull(propagator);
            return this;
        }

        public CourierTelemetry build() {
            return new CourierTelemetry(this);
        }
    }
}
