package io.courier.kafka;

import io.courier.Headers;
import io.courier.core.spi.RawMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;

/** Kafka records as Courier's raw messages, the same for consumer-group and share-group members. */
final class KafkaRecords {
    private KafkaRecords() {
    }

    /** Where a record came from, kept as the raw message's handle to acknowledge it. */
    record Position(TopicPartition partition, long offset) {
    }

    static RawMessage toRaw(ConsumerRecord<byte[], byte[]> r, int redeliveries) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        Instant time = Instant.ofEpochMilli(r.timestamp());
        // a record's create time is its event time: the publisher's, or the moment it was sent
        Instant eventTime = r.timestampType() == TimestampType.CREATE_TIME ? time : null;
        org.apache.kafka.common.header.Headers native_ = r.headers();
        return new RawMessage(r.topic(), KafkaBroker.messageId(r.topic(), r.partition(), r.offset()), key,
                () -> headersOf(native_), r.value() == null ? new byte[0] : r.value(), time, eventTime, redeliveries,
                new Position(new TopicPartition(r.topic(), r.partition()), r.offset()));
    }

    private static Headers headersOf(org.apache.kafka.common.header.Headers native_) {
        Headers.Builder b = Headers.builder();
        for (Header h : native_) {
            if (h.value() != null) {
                b.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        return b.build().sortedByName();   // as on every backend: a record's header order is the producer's
    }
}
