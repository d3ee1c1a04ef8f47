package io.courier.otel;

import io.courier.Envelope;
import io.courier.Headers;
import io.courier.MessageId;
import io.courier.core.PublishInterceptor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** A PRODUCER span per publish; the context travels in the message headers. */
final class TracingPublishInterceptor implements PublishInterceptor {
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String system;
    private final MessagingMetrics metrics;

    TracingPublishInterceptor(Tracer tracer, TextMapPropagator propagator, String system, MessagingMetrics metrics) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.system = system;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<MessageId> publish(Envelope envelope, Function<Envelope, CompletableFuture<MessageId>> next) {
        Context parent = Context.current();
        Span span = tracer.spanBuilder("publish " + envelope.topic()).setSpanKind(SpanKind.PRODUCER).setParent(parent)
                .setAttribute(MessagingMetrics.SYSTEM, system)
                .setAttribute(MessagingMetrics.DESTINATION, envelope.topic())
                .setAttribute(OPERATION_NAME, "publish")
                .setAttribute(OPERATION_TYPE, "send")
                .startSpan();
        Context context = parent.with(span);
        Headers.Builder headers = Headers.builder();
        propagator.inject(context, headers, (carrier, key, value) -> carrier.put(key, value));
        Envelope traced = envelope.toBuilder().headers(headers.build()).build();
        Attributes attributes = metrics.publishAttributes(envelope.topic());
        long start = System.nanoTime();
        CompletableFuture<MessageId> sent;
        try (Scope ignored = context.makeCurrent()) {
            sent = next.apply(traced);
        } catch (RuntimeException e) {
            fail(span, e, attributes, start);
            throw e;
        }
        return sent.whenComplete((id, error) -> {
            if (error != null) {
                fail(span, error, attributes, start);
            } else {
                span.setAttribute(MESSAGE_ID, id.value());
                metrics.published.add(1, attributes);
                metrics.publishDuration.record((System.nanoTime() - start) / 1e9, attributes);
                span.end();
            }
        });
    }

    private void fail(Span span, Throwable error, Attributes attributes, long start) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        span.recordException(cause);
        span.setStatus(StatusCode.ERROR, cause.getClass().getSimpleName());
        span.setAttribute(MessagingMetrics.ERROR_TYPE, cause.getClass().getName());
        Attributes failed = attributes.toBuilder().put(MessagingMetrics.ERROR_TYPE, cause.getClass().getName()).build();
        metrics.publishFailed.add(1, failed);
        metrics.publishDuration.record((System.nanoTime() - start) / 1e9, failed);
        span.end();
    }
}
