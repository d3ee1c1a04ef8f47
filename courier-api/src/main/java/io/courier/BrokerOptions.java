package io.courier;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Options common to every backend, plus backend-specific {@link #properties()} (each backend documents its keys;
 * values of keys that look secret are redacted in {@link #toString()}). Thread-safe (immutable).
 *
 * <p>Defaults: publish timeout 30 s, close timeout 10 s, codec {@code json}, a {@code content-type} header on every
 * message, the system UTC clock.
 */
public final class BrokerOptions {
    private static final BrokerOptions DEFAULTS = builder().build();

    private final Duration publishTimeout;
    private final Duration closeTimeout;
    private final String defaultCodec;
    private final boolean omitDefaultContentType;
    private final Map<String, String> properties;
    private final Clock clock;

    private BrokerOptions(Builder b) {
        this.publishTimeout = b.publishTimeout;
        this.closeTimeout = b.closeTimeout;
        this.defaultCodec = b.defaultCodec;
        this.omitDefaultContentType = b.omitDefaultContentType;
        this.properties = Map.copyOf(b.properties);
        this.clock = b.clock;
    }

    public static BrokerOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().publishTimeout(publishTimeout).closeTimeout(closeTimeout).defaultCodec(defaultCodec)
                .omitDefaultContentType(omitDefaultContentType).clock(clock);
        b.properties.putAll(properties);
        return b;
    }

    /** How long {@link Broker#publish(Envelope)} waits for the broker's confirmation, including a full queue. */
    public Duration publishTimeout() {
        return publishTimeout;
    }

    /**
     * How long {@link Broker#close()} takes at most: the one grace shared by open subscriptions, pending publishes and
     * the connection's release. Default 10 seconds.
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** Codec used when neither the envelope nor the subscription names one. */
    public String defaultCodec() {
        return defaultCodec;
    }

    /**
     * Whether messages encoded with the {@linkplain #defaultCodec() default codec} are published without a
     * {@code content-type} header. Default false. See {@link Builder#omitDefaultContentType(boolean)}.
     */
    public boolean omitDefaultContentType() {
        return omitDefaultContentType;
    }

    /** Backend-specific settings; see the backend's documentation. */
    public Map<String, String> properties() {
        return properties;
    }

    /** A backend-specific setting, or {@code fallback}. */
    public String property(String name, String fallback) {
        return properties.getOrDefault(name, fallback);
    }

    /** Time source for delays, timestamps and health; tests inject their own. */
    public Clock clock() {
        return clock;
    }

    /** True for property names whose values must never be printed. */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("token") || n.contains("secret") || n.contains("password") || n.contains("credential")
                || n.contains("auth") || n.contains("key");
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        properties.forEach((k, v) -> shown.put(k, isSecretName(k) ? "****" : v));
        return "BrokerOptions{publishTimeout=" + publishTimeout + ", closeTimeout=" + closeTimeout + ", defaultCodec="
                + defaultCodec + (omitDefaultContentType ? ", omitDefaultContentType=true" : "") + ", properties=" + shown + "}";
    }

    /** Builds {@link BrokerOptions}; {@link #build()} lists every problem. Not thread-safe. */
    public static final class Builder {
        private Duration publishTimeout = Duration.ofSeconds(30);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private String defaultCodec = "json";
        private boolean omitDefaultContentType;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Default 30 s; must be positive. */
        public Builder publishTimeout(Duration timeout) {
            this.publishTimeout = timeout;
            return this;
        }

        /** Default 10 s; zero or positive. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** Default {@code json}. */
        public Builder defaultCodec(String codecName) {
            this.defaultCodec = codecName;
            return this;
        }

        /**
         * Default false: every message carries a {@code content-type} header naming its codec, so that any consumer,
         * whatever its own default codec, and tools such as {@code courier tail} and the console can decode it. True
         * leaves the header off messages encoded with the default codec (messages of another codec keep theirs): a
         * consumer decodes a message without one with its own default codec, so turn this on only when every
         * consumer of these topics has the same default codec. It saves the broker client's cost of one message
         * property, which on Pulsar is a measurable part of publishing small messages (BENCHMARKS.md).
         */
        public Builder omitDefaultContentType(boolean omit) {
            this.omitDefaultContentType = omit;
            return this;
        }

        /** Sets a backend-specific property. */
        public Builder property(String name, String value) {
            Objects.requireNonNull(name, "property name");
            Objects.requireNonNull(value, () -> "value of property '" + name + "'");
            properties.put(name, value);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public BrokerOptions build() {
            List<String> problems = new ArrayList<>();
            if (publishTimeout == null || publishTimeout.isNegative() || publishTimeout.isZero()) {
                problems.add("publishTimeout must be positive, got " + publishTimeout);
            }
            if (closeTimeout == null || closeTimeout.isNegative()) {
                problems.add("closeTimeout must be zero or positive, got " + closeTimeout);
            }
            if (defaultCodec == null || defaultCodec.isBlank()) {
                problems.add("defaultCodec must be a codec name such as json");
            }
            if (clock == null) {
                problems.add("clock must not be null");
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid broker options", problems);
            }
            return new BrokerOptions(this);
        }
    }
}
