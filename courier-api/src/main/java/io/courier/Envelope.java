package io.courier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message to publish: topic, payload (any object the codec can encode), and optional key, headers, delivery delay,
 * event time and codec override. Built and validated at once; thread-safe (immutable).
 *
 * <pre>{@code
 * broker.publish(Envelope.builder("orders", order).key(order.customerId()).deliverAfter(Duration.ofSeconds(30)).build());
 * }</pre>
 */
public final class Envelope {
    private final String topic;
    private final Object payload;
    private final String key;
    private final Headers headers;
    private final Duration deliverAfter;
    private final Instant deliverAt;
    private final Instant eventTime;
    private final String codec;

    private Envelope(Builder b) {
        this.topic = b.topic;
        this.payload = b.payload;
        this.key = b.key;
        this.headers = b.headers.build();
        this.deliverAfter = b.deliverAfter;
        this.deliverAt = b.deliverAt;
        this.eventTime = b.eventTime;
        this.codec = b.codec;
    }

    /** An envelope with just a topic and a payload. */
    public static Envelope of(String topic, Object payload) {
        return builder(topic, payload).build();
    }

    /** A builder for {@code payload} on {@code topic}; both are required. */
    public static Builder builder(String topic, Object payload) {
        return new Builder(topic, payload);
    }

    /** A builder holding this envelope's values, to derive a changed copy (interceptors add headers this way). */
    public Builder toBuilder() {
        Builder b = new Builder(topic, payload);
        b.key = key;
        b.headers.putAll(headers);
        b.deliverAfter = deliverAfter;
        b.deliverAt = deliverAt;
        b.eventTime = eventTime;
        b.codec = codec;
        return b;
    }

    public String topic() {
        return topic;
    }

    public Object payload() {
        return payload;
    }

    /** The message key: routes Key_Shared subscriptions and partitions, and orders PER_KEY handling. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    public Headers headers() {
        return headers;
    }

    /** Delay before the message may be delivered, measured from the publish call. */
    public Optional<Duration> deliverAfter() {
        return Optional.ofNullable(deliverAfter);
    }

    /** Earliest delivery time. */
    public Optional<Instant> deliverAt() {
        return Optional.ofNullable(deliverAt);
    }

    /** Application time of the event the message describes. */
    public Optional<Instant> eventTime() {
        return Optional.ofNullable(eventTime);
    }

    /** Codec name that overrides the broker's default codec for this message. */
    public Optional<String> codec() {
        return Optional.ofNullable(codec);
    }

    @Override
    public String toString() {
        return "Envelope{topic=" + topic + ", payloadType=" + payload.getClass().getName()
                + (key != null ? ", key=" + key : "") + ", headers=" + headers.names()
                + (deliverAfter != null ? ", deliverAfter=" + deliverAfter : "")
                + (deliverAt != null ? ", deliverAt=" + deliverAt : "")
                + (codec != null ? ", codec=" + codec : "") + "}";
    }

    /** Builds an {@link Envelope}; {@link #build()} lists every problem at once. Not thread-safe. */
    public static final class Builder {
        private final String topic;
        private final Object payload;
        private String key;
        private final Headers.Builder headers = Headers.builder();
        private Duration deliverAfter;
        private Instant deliverAt;
        private Instant eventTime;
        private String codec;

        private Builder(String topic, Object payload) {
            this.topic = topic;
            this.payload = payload;
        }

        /** The message key; {@code null} clears it. */
        public Builder key(String key) {
            this.key = key;
            return this;
        }

        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Headers values) {
            headers.putAll(Objects.requireNonNull(values, "headers"));
            return this;
        }

        /** Deliver no sooner than {@code delay} after publishing; must not be negative. */
        public Builder deliverAfter(Duration delay) {
            this.deliverAfter = delay;
            return this;
        }

        /** Deliver no sooner than {@code time}. */
        public Builder deliverAt(Instant time) {
            this.deliverAt = time;
            return this;
        }

        public Builder eventTime(Instant time) {
            this.eventTime = time;
            return this;
        }

        /** Encode with this codec ({@code json}, {@code proto}, {@code text}, {@code bytes}, or a custom one). */
        public Builder codec(String codecName) {
            this.codec = codecName;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidTopicException when only the topic is wrong
         * @throws ConfigurationException listing every problem otherwise
         */
        public Envelope build() {
            List<String> problems = new ArrayList<>();
            String topicProblem = Topics.problem(topic);
            if (topicProblem != null) {
                problems.add(topicProblem);
            }
            if (payload == null) {
                problems.add("payload must not be null" + (topic != null ? " (topic '" + topic + "')" : ""));
            }
            if (key != null && key.isEmpty()) {
                problems.add("key must not be empty; use null for no key");
            }
            if (deliverAfter != null && deliverAfter.isNegative()) {
                problems.add("deliverAfter must not be negative, got " + deliverAfter);
            }
            if (deliverAfter != null && deliverAt != null) {
                problems.add("set deliverAfter or deliverAt, not both");
            }
            if (codec != null && codec.isBlank()) {
                problems.add("codec name must not be blank");
            }
            if (problems.size() == 1 && topicProblem != null) {
                throw new InvalidTopicException(topicProblem);
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid envelope", problems);
            }
            return new Envelope(this);
        }
    }
}
