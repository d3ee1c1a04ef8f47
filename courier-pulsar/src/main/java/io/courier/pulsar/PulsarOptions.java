package io.courier.pulsar;

import io.courier.ConfigurationException;
import io.courier.core.spi.CommonOptions;
import io.courier.core.spi.Option;
import io.courier.core.spi.OptionSet;
import io.courier.core.spi.OptionValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.ProducerBuilder;

/**
 * Pulsar-specific settings: security, producer batching and compression, chunking, nack delay, the admin URL, native
 * client settings passed through, and the escape hatch to customise raw builders. Every setting is declared once, in
 * {@link #DECLARED} (name, type, default, meaning, secret or not): the same declaration parses URL queries
 * ({@code pulsar://host:6650?compression=LZ4}), {@link io.courier.BrokerOptions#properties()} and environment
 * variables ({@code COURIER_PULSAR_AUTH_TOKEN}), validates, hides secrets in {@link #toString()}, and writes the
 * README's table. Native settings go through as they are under {@code client.}, {@code producer.} and
 * {@code consumer.} (Pulsar's own {@code loadConf} names, e.g. {@code producer.sendTimeoutMs=5000}). Thread-safe
 * (immutable; the customizers you pass must be thread-safe too).
 */
public final class PulsarOptions {
    public static final Option<String> AUTH_TOKEN = Option.text("authToken", "JWT token authentication.").secret();
    public static final Option<String> ADMIN_URL = Option.text("adminUrl",
            "Admin REST URL; derived from the service URL when absent (port 8080, or 8443 for `pulsar+ssl`).");
    public static final Option<String> TLS_TRUST_CERTS = Option.text("tlsTrustCertsFilePath",
            "PEM file of trusted CA certificates for `pulsar+ssl://` (else the JVM's).");
    public static final Option<Boolean> TLS_ALLOW_INSECURE = Option.flag("tlsAllowInsecureConnection", false,
            "Accept any server certificate (development only).");
    public static final Option<Boolean> TLS_HOSTNAME_VERIFICATION = CommonOptions.TLS_HOSTNAME_VERIFICATION;
    public static final Option<String> OAUTH2_ISSUER_URL = Option.text("oauth2IssuerUrl",
            "OAuth2 client-credentials flow: the issuer URL.");
    public static final Option<String> OAUTH2_CREDENTIALS_URL = Option.text("oauth2CredentialsUrl",
            "OAuth2: URL of the credentials (key) file, e.g. `file:///path/key.json`.").secret();
    public static final Option<String> OAUTH2_AUDIENCE = Option.text("oauth2Audience", "OAuth2 audience.");
    public static final Option<Duration> BATCHING_MAX_PUBLISH_DELAY = Option.millis("batchingMaxPublishDelayMs",
            Duration.ofMillis(1), Duration.ZERO, "Longest a message waits for its producer batch.");
    public static final Option<Long> BATCHING_MAX_MESSAGES = Option.number("batchingMaxMessages", 1000, 1, Integer.MAX_VALUE,
            "Most messages per producer batch; 1 turns batching off.");
    public static final Option<CompressionType> COMPRESSION = Option.choice("compression", CompressionType.class,
            CompressionType.NONE, "Payload compression.");
    public static final Option<Boolean> CHUNKING = Option.flag("chunking", true,
            "Split payloads above the broker's 5 MiB message limit into chunks.");
    /** The Pulsar client's own default is 1 min. */
    public static final Option<Duration> NACK_DELAY = CommonOptions.NACK_DELAY;
    public static final Option<Duration> OPERATION_TIMEOUT = Option.millis("operationTimeoutMs", Duration.ofSeconds(30),
            Duration.ofMillis(1), "Timeout of the client's operations (lookups, producer and consumer creation).");
    public static final Option<Duration> CONNECTION_TIMEOUT = Option.millis("connectionTimeoutMs", Duration.ofSeconds(10),
            Duration.ofMillis(1), "Timeout of a TCP connection to the broker.");

    public static final String CLIENT = "client.";
    public static final String PRODUCER = "producer.";
    public static final String CONSUMER = "consumer.";

    /** Every Pulsar setting, declared once. */
    public static final OptionSet DECLARED = OptionSet.builder("pulsar")
            .add(AUTH_TOKEN, ADMIN_URL, TLS_TRUST_CERTS, TLS_ALLOW_INSECURE, TLS_HOSTNAME_VERIFICATION, OAUTH2_ISSUER_URL,
                    OAUTH2_CREDENTIALS_URL, OAUTH2_AUDIENCE, BATCHING_MAX_PUBLISH_DELAY, BATCHING_MAX_MESSAGES,
                    COMPRESSION, CHUNKING, NACK_DELAY, OPERATION_TIMEOUT, CONNECTION_TIMEOUT)
            .passThrough(CLIENT, "Native `ClientBuilder.loadConf` settings, e.g. `client.numIoThreads=2`; Courier's own "
                    + "settings above win.")
            .passThrough(PRODUCER, "Native `ProducerBuilder.loadConf` settings, e.g. `producer.sendTimeoutMs=5000`.")
            .passThrough(CONSUMER, "Native `ConsumerBuilder.loadConf` settings, e.g. `consumer.receiverQueueSize=500`.")
            .check(PulsarOptions::crossCheck)
            .build();

    private final OptionValues values;
    private final Consumer<ProducerBuilder<byte[]>> producerCustomizer;
    private final Consumer<ConsumerBuilder<byte[]>> consumerCustomizer;

    private PulsarOptions(OptionValues values, Consumer<ProducerBuilder<byte[]>> producerCustomizer,
                          Consumer<ConsumerBuilder<byte[]>> consumerCustomizer) {
        this.values = values;
        this.producerCustomizer = producerCustomizer;
        this.consumerCustomizer = consumerCustomizer;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static PulsarOptions defaults() {
        return builder().build();
    }

    /** Options from environment variables, the URL query and properties; every problem is listed. */
    static PulsarOptions from(java.net.URI url, Map<String, String> properties, Map<String, String> environment) {
        return new PulsarOptions(DECLARED.parse(url, properties, environment), p -> { }, c -> { });
    }

    private static List<String> crossCheck(OptionValues v) {
        List<String> problems = new ArrayList<>();
        if (v.get(AUTH_TOKEN) != null && v.get(OAUTH2_ISSUER_URL) != null) {
            problems.add("choose token or OAuth2 authentication, not both");
        }
        if ((v.get(OAUTH2_ISSUER_URL) == null) != (v.get(OAUTH2_CREDENTIALS_URL) == null)) {
            problems.add("OAuth2 needs both oauth2IssuerUrl and oauth2CredentialsUrl");
        }
        return problems;
    }

    /** The values no message may show: the token, and native settings named like secrets. */
    java.util.List<String> secrets() {
        return values.secrets();
    }

    /** The value of {@code option} (one of {@link #DECLARED}), or its default when it was not given. */
    public <T> T get(Option<T> option) {
        return values.get(option);
    }

    /** Native settings given under {@code client.}, {@code producer.} or {@code consumer.}, prefix removed. */
    Map<String, Object> nativeSettings(String prefix) {
        return new java.util.LinkedHashMap<>(values.passThrough(prefix));
    }

    Consumer<ProducerBuilder<byte[]>> producerCustomizer() {
        return producerCustomizer;
    }

    Consumer<ConsumerBuilder<byte[]>> consumerCustomizer() {
        return consumerCustomizer;
    }

    /** What identifies a shareable client: the service URL and every setting given (secrets included, never shown). */
    String clientKey(String serviceUrl) {
        return serviceUrl + "|" + fingerprint();
    }

    private String fingerprint() {
        StringBuilder b = new StringBuilder();
        for (Option<?> o : DECLARED.options()) {
            b.append(o.name()).append('=').append(values.get(o)).append('|');
        }
        b.append(values.passThrough(CLIENT));
        return b.toString();
    }

    /** The settings given, secrets as {@code ****}. */
    @Override
    public String toString() {
        return "PulsarOptions" + values;
    }

    /** Builds {@link PulsarOptions}; {@link #build()} lists every problem. Not thread-safe. */
    public static final class Builder {
        private final OptionSet.Values values = DECLARED.values();
        private Consumer<ProducerBuilder<byte[]>> producerCustomizer = p -> { };
        private Consumer<ConsumerBuilder<byte[]>> consumerCustomizer = c -> { };

        private Builder() {
        }

        /**
         * Sets {@code option} (one of {@link #DECLARED}: {@code PulsarOptions.COMPRESSION},
         * {@code PulsarOptions.AUTH_TOKEN}...); null returns it to its default. Checked by {@link #build()}.
         */
        public <T> Builder set(Option<T> option, T value) {
            values.set(option, value);
            return this;
        }

        /**
         * A native setting passed to Pulsar's {@code loadConf} as it is: {@code client.*}, {@code producer.*} or
         * {@code consumer.*} (e.g. {@code nativeSetting("producer.sendTimeoutMs", "5000")}).
         */
        public Builder nativeSetting(String key, String value) {
            values.passThrough(key, value);
            return this;
        }

        /** Escape hatch: adjusts every producer's raw builder after Courier's settings. */
        public Builder producerCustomizer(Consumer<ProducerBuilder<byte[]>> customizer) {
            this.producerCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /** Escape hatch: adjusts every consumer's raw builder after Courier's settings. */
        public Builder consumerCustomizer(Consumer<ConsumerBuilder<byte[]>> customizer) {
            this.consumerCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /** @throws ConfigurationException listing every problem */
        public PulsarOptions build() {
            return new PulsarOptions(values.build(), producerCustomizer, consumerCustomizer);
        }
    }
}
