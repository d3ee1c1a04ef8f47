package io.courier.otel;

import io.courier.FailureEvent;
import io.courier.FailureListener;
import io.courier.Headers;
import io.courier.Message;
import io.courier.core.Invocation;
import io.courier.core.Middleware;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;

/**
 * A CONSUMER span per handler attempt. A single message continues its producer's trace (the producer span is the
 * parent); a batch span continues the first message's trace and links to every message's producer span, as the
 * semantic conventions advise for batches. Failures and retries are recorded on the span and in the metrics. What
 * the failure policy decides after an attempt (dead letter, drop, a dead-letter publish that failed) and decode
 * failures, which no handler attempt sees, are counted from the policy's own events ({@link FailureListener}): a
 * {@code MessageServer} registers this middleware as a listener too.
 */
final class TracingMiddleware implements Middleware, FailureListener {
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("courier.attempt");

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return carrier.names();
        }

        @Override
        public String get(Headers carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String system;
    private final MessagingMetrics metrics;

    TracingMiddleware(Tracer tracer, TextMapPropagator propagator, String system, MessagingMetrics metrics) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.system = system;
        this.metrics = metrics;
    }

    @Override
    public void handle(Invocation invocation) throws Exception {
        List<Message<?>> messages = invocation.messages();
        Message<?> first = messages.get(0);
        String topic = first.topic();
        int attempt = first.attempt();
        SpanBuilder builder = tracer.spanBuilder("process " + topic).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MessagingMetrics.SYSTEM, system)
                .setAttribute(MessagingMetrics.DESTINATION, topic)
                .setAttribute(MessagingMetrics.GROUP, invocation.subscription())
                .setAttribute(TracingPublishInterceptor.OPERATION_NAME, "process")
                .setAttribute(TracingPublishInterceptor.OPERATION_TYPE, "process")
                .setAttribute(ATTEMPT, (long) attempt);
        Context parent = Context.current();
        if (invocation.isBatch()) {
            // the first message's trace continues through the batch; every message's producer span is linked
            builder.setParent(propagator.extract(parent, first.headers(), GETTER)).setAttribute(BATCH_COUNT, (long) messages.size());
            for (Message<?> m : messages) {
                SpanContext producer = Span.fromContext(propagator.extract(Context.root(), m.headers(), GETTER)).getSpanContext();
                if (producer.isValid()) {
                    builder.addLink(producer);
                }
            }
        } else {
            builder.setParent(propagator.extract(parent, first.headers(), GETTER))
                    .setAttribute(TracingPublishInterceptor.MESSAGE_ID, first.id().value());
        }
        Span span = builder.startSpan();
        Attributes attributes = metrics.processAttributes(topic, invocation.subscription());
        int n = messages.size();
        if (attempt > 1) {
            span.addEvent("retry", Attributes.of(ATTEMPT, (long) attempt));
            metrics.retried.add(n, attributes);
        }
        metrics.inFlight.add(n, attributes);
        long start = System.nanoTime();
        try (Scope ignored = span.makeCurrent()) {
            invocation.proceed();
            metrics.processed.add(n, attributes);
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            span.setAttribute(MessagingMetrics.ERROR_TYPE, e.getClass().getName());
            metrics.failed.add(n, attributes.toBuilder().put(MessagingMetrics.ERROR_TYPE, e.getClass().getName()).build());
            throw e;
        } finally {
            metrics.inFlight.add(-n, attributes);
            metrics.processDuration.record((System.nanoTime() - start) / 1e9, attributes);
            span.end();
        }
    }

    @Override
    public void onDeadLettered(FailureEvent event) {
        metrics.deadLettered.add(1, metrics.processAttributes(event.topic(), event.subscription()));
    }

    @Override
    public void onDeadLetterPublishFailed(FailureEvent event) {
        metrics.deadLetterFailed.add(1, metrics.processAttributes(event.topic(), event.subscription()));
    }

    @Override
    public void onDecodeFailed(FailureEvent event) {
        metrics.decodeFailed.add(1, metrics.processAttributes(event.topic(), event.subscription()));
    }

    @Override
    public void onDropped(FailureEvent event) {
        metrics.dropped.add(1, metrics.processAttributes(event.topic(), event.subscription()));
    }
}
