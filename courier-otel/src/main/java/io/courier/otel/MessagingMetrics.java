package io.courier.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;

/** The messaging metrics, with low-cardinality attributes (system, topic, subscription, error type). */
final class MessagingMetrics {
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    final String system;
    final LongCounter published;
    final LongCounter publishFailed;
    final DoubleHistogram publishDuration;
    final LongCounter processed;
    final LongCounter failed;
    final LongCounter retried;
    final LongCounter deadLettered;
    final LongCounter deadLetterFailed;
    final LongCounter decodeFailed;
    final LongCounter dropped;
    final DoubleHistogram processDuration;
    final LongUpDownCounter inFlight;

    MessagingMetrics(Meter meter, String system) {
        this.system = system;
        published = meter.counterBuilder("messaging.client.sent.messages").setUnit("{message}")
                .setDescription("Messages the broker confirmed").build();
        publishFailed = meter.counterBuilder("courier.publish.failed").setUnit("{message}")
                .setDescription("Publishes that failed").build();
        publishDuration = meter.histogramBuilder("messaging.client.operation.duration").setUnit("s")
                .setDescription("Publish duration until the broker confirmed").build();
        processed = meter.counterBuilder("messaging.client.consumed.messages").setUnit("{message}")
                .setDescription("Messages handled successfully").build();
        failed = meter.counterBuilder("courier.process.failed").setUnit("{message}")
                .setDescription("Handler attempts that failed").build();
        retried = meter.counterBuilder("courier.process.retried").setUnit("{message}")
                .setDescription("Handler attempts made again after a failure").build();
        deadLettered = meter.counterBuilder("courier.process.dead_lettered").setUnit("{message}")
                .setDescription("Messages sent to the dead-letter topic after their last attempt").build();
        deadLetterFailed = meter.counterBuilder("courier.process.dead_letter_failed").setUnit("{message}")
                .setDescription("Dead-letter publishes that failed (the message went back to the broker)").build();
        decodeFailed = meter.counterBuilder("courier.process.decode_failed").setUnit("{message}")
                .setDescription("Messages whose payload could not be decoded to the handler's type").build();
        dropped = meter.counterBuilder("courier.process.dropped").setUnit("{message}")
                .setDescription("Messages acknowledged unhandled after their last attempt (LOG_AND_DROP)").build();
        processDuration = meter.histogramBuilder("messaging.process.duration").setUnit("s")
                .setDescription("Handler attempt duration").build();
        inFlight = meter.upDownCounterBuilder("courier.process.in_flight").setUnit("{message}")
                .setDescription("Messages in handlers now").build();
    }

    Attributes publishAttributes(String topic) {
        return Attributes.of(SYSTEM, system, DESTINATION, topic);
    }

    Attributes processAttributes(String topic, String subscription) {
        return Attributes.of(SYSTEM, system, DESTINATION, topic, GROUP, subscription);
    }
}
