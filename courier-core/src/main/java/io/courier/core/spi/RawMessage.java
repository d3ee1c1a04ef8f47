package io.courier.core.spi;

import io.courier.Headers;
import io.courier.MessageId;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A message as a backend delivers it, before decoding. {@code handle} is the backend's own object (a Pulsar
 * message, a memory log entry) that it needs again to acknowledge.
 *
 * <p>Headers may be given as a supplier: a backend whose native message keeps its properties in a form of its own
 * (Pulsar) then converts them only when something reads them, which a {@code byte[]} handler without middleware never
 * does. The supplier runs at most once. Thread-safe once built.
 */
public final class RawMessage {
    private final String topic;
    private final MessageId id;
    private final String key;
    private final byte[] payload;
    private final Instant publishTime;
    private final Instant eventTime;
    private final int redeliveryCount;
    private final Object handle;
    private volatile Headers headers;
    private Supplier<Headers> headerSource;

    public RawMessage(String topic, MessageId id, String key, Headers headers, byte[] payload, Instant publishTime,
                      Instant eventTime, int redeliveryCount, Object handle) {
        this(topic, id, key, Objects.requireNonNull(headers, "headers"), null, payload, publishTime, eventTime,
                redeliveryCount, handle);
    }

    /** A message whose headers are made by {@code headers} the first time they are read. */
    public RawMessage(String topic, MessageId id, String key, Supplier<Headers> headers, byte[] payload,
                      Instant publishTime, Instant eventTime, int redeliveryCount, Object handle) {
        this(topic, id, key, null, Objects.requireNonNull(headers, "headers"), payload, publishTime, eventTime,
                redeliveryCount, handle);
    }

    private RawMessage(String topic, MessageId id, String key, Headers headers, Supplier<Headers> headerSource,
                       byte[] payload, Instant publishTime, Instant eventTime, int redeliveryCount, Object handle) {
        this.topic = topic;
        this.id = id;
        this.key = key;
        this.headers = headers;
        this.headerSource = headerSource;
        this.payload = payload;
        this.publishTime = publishTime;
        this.eventTime = eventTime;
        this.redeliveryCount = redeliveryCount;
        this.handle = handle;
    }

    public String topic() {
        return topic;
    }

    public MessageId id() {
        return id;
    }

    /** The message key, or {@code null}. */
    public String key() {
        return key;
    }

    public Headers headers() {
        Headers h = headers;
        if (h == null) {
            synchronized (this) {
                h = headers;
                if (h == null) {
                    h = headerSource.get();
                    headers = h;
                    headerSource = null;
                }
            }
        }
        return h;
    }

    public byte[] payload() {
        return payload;
    }

    public Instant publishTime() {
        return publishTime;
    }

    /** The event time the publisher set, or {@code null}. */
    public Instant eventTime() {
        return eventTime;
    }

    public int redeliveryCount() {
        return redeliveryCount;
    }

    public Object handle() {
        return handle;
    }

    @Override
    public String toString() {
        return "RawMessage{topic=" + topic + ", id=" + id + ", key=" + key + ", redeliveryCount=" + redeliveryCount + "}";
    }
}
