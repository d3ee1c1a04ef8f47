package io.courier.core.spi;

import io.courier.Headers;
import io.courier.MessageId;
import java.time.Instant;

/**
 * A message as a backend delivers it, before decoding. {@code handle} is the backend's own object (a Pulsar
 * message, a memory log entry) that it needs again to acknowledge.
 */
public record RawMessage(String topic, MessageId id, String key, Headers headers, byte[] payload,
                         Instant publishTime, Instant eventTime, int redeliveryCount, Object handle) {
}
