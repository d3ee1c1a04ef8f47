package io.courier.core.internal;

import io.courier.Headers;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.core.spi.RawMessage;
import java.time.Instant;
import java.util.Optional;

/** The {@link Message} handed to handlers: a raw message plus its decoded payload and attempt number. */
final class DeliveredMessage<T> implements Message<T> {
    private final RawMessage raw;
    private final String subscription;
    private final T payload;
    private final int attempt;

    DeliveredMessage(RawMessage raw, String subscription, T payload, int attempt) {
        this.raw = raw;
        this.subscription = subscription;
        this.payload = payload;
        this.attempt = attempt;
    }

    DeliveredMessage<T> withAttempt(int n) {
        return n == attempt ? this : new DeliveredMessage<>(raw, subscription, payload, n);
    }

    RawMessage raw() {
        return raw;
    }

    @Override
    public String topic() {
        return raw.topic();
    }

    @Override
    public String subscription() {
        return subscription;
    }

    @Override
    public MessageId id() {
        return raw.id();
    }

    @Override
    public Optional<String> key() {
        return Optional.ofNullable(raw.key());
    }

    @Override
    public Headers headers() {
        return raw.headers();
    }

    @Override
    public T payload() {
        return payload;
    }

    @Override
    public Instant publishTime() {
        return raw.publishTime();
    }

    @Override
    public Optional<Instant> eventTime() {
        return Optional.ofNullable(raw.eventTime());
    }

    @Override
    public int redeliveryCount() {
        return raw.redeliveryCount();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public String toString() {
        return "Message{topic=" + raw.topic() + ", id=" + raw.id() + ", key=" + raw.key() + ", attempt=" + attempt + "}";
    }
}
