package io.courier.pulsar;

import io.courier.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.ProducerBuilder;

/**
 * Pulsar-specific settings: security, producer batching and compression, chunking, nack delay, the admin URL, and
 * the escape hatch to customise raw builders. Also readable from URL query parameters or
 * {@link io.courier.BrokerOptions#properties()} under the names of the builder methods (e.g.
 * {@code pulsar://host:6650?compression=LZ4&authToken=...}). Secrets never appear in {@link #toString()}.
 * Thread-safe (immutable; the customizers you pass must be thread-safe too).
 *
 * <p>Defaults: no authentication, no TLS trust store (the JVM's), admin URL {@code http://HOST:8080}
 * ({@code https://HOST:8443} for {@code pulsar+ssl}), batching up to 1,000 messages or 1 ms with key-based batches,
 * no compression, chunking of payloads above 5 MiB on, nack delay 100 ms, operation timeout 30 s, connection timeout
 * 10 s.
 */
public final class PulsarOptions {
    static final Set<String> KEYS = Set.of("authToken", "adminUrl", "tlsTrustCertsFilePath", "tlsAllowInsecureConnection",
            "tlsHostnameVerification", "oauth2IssuerUrl", "oauth2CredentialsUrl", "oauth2Audience",
            "batchingMaxPublishDelayMs", "batchingMaxMessages", "compression", "chunking", "nackDelayMs",
            "operationTimeoutMs", "connectionTimeoutMs");

    private final String authToken;
    private final String adminUrl;
    private final String tlsTrustCertsFilePath;
    private final boolean tlsAllowInsecureConnection;
    private final boolean tlsHostnameVerification;
    private final String oauth2IssuerUrl;
    private final String oauth2CredentialsUrl;
    private final String oauth2Audience;
    private final Duration batchingMaxPublishDelay;
    private final int batchingMaxMessages;
    private final CompressionType compression;
    private final boolean chunking;
    private final Duration nackDelay;
    private final Duration operationTimeout;
    private final Duration connectionTimeout;
    private final Consumer<ProducerBuilder<byte[]>> producerCustomizer;
    private final Consumer<ConsumerBuilder<byte[]>> consumerCustomizer;

    private PulsarOptions(Builder b) {
        this.authToken = b.authToken;
        this.adminUrl = b.adminUrl;
        this.tlsTrustCertsFilePath = b.tlsTrustCertsFilePath;
        this.tlsAllowInsecureConnection = b.tlsAllowInsecureConnection;
        this.tlsHostnameVerification = b.tlsHostnameVerification;
        this.oauth2IssuerUrl = b.oauth2IssuerUrl;
        this.oauth2CredentialsUrl = b.oauth2CredentialsUrl;
        this.oauth2Audience = b.oauth2Audience;
        this.batchingMaxPublishDelay = b.batchingMaxPublishDelay;
        this.batchingMaxMessages = b.batchingMaxMessages;
        this.compression = b.compression;
        this.chunking = b.chunking;
        this.nackDelay = b.nackDelay;
        this.operationTimeout = b.operationTimeout;
        this.connectionTimeout = b.connectionTimeout;
        this.producerCustomizer = b.producerCustomizer;
        this.consumerCustomizer = b.consumerCustomizer;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static PulsarOptions defaults() {
        return builder().build();
    }

    /** Options read from string settings (URL query and broker properties); every problem is listed. */
    static PulsarOptions fromSettings(Map<String, String> settings) {
        List<String> problems = new ArrayList<>();
        Builder b = builder();
        settings.forEach((key, value) -> {
            try {
                switch (key) {
                    case "authToken" -> b.authToken(value);
                    case "adminUrl" -> b.adminUrl(value);
                    case "tlsTrustCertsFilePath" -> b.tlsTrustCertsFilePath(value);
                    case "tlsAllowInsecureConnection" -> b.tlsAllowInsecureConnection(bool(key, value));
                    case "tlsHostnameVerification" -> b.tlsHostnameVerification(bool(key, value));
                    case "oauth2IssuerUrl" -> b.oauth2IssuerUrl(value);
                    case "oauth2CredentialsUrl" -> b.oauth2CredentialsUrl(value);
                    case "oauth2Audience" -> b.oauth2Audience(value);
                    case "batchingMaxPublishDelayMs" -> b.batchingMaxPublishDelay(Duration.ofMillis(Long.parseLong(value)));
                    case "batchingMaxMessages" -> b.batchingMaxMessages(Integer.parseInt(value));
                    case "compression" -> b.compression(CompressionType.valueOf(value.toUpperCase(Locale.ROOT)));
                    case "chunking" -> b.chunking(bool(key, value));
                    case "nackDelayMs" -> b.nackDelay(Duration.ofMillis(Long.parseLong(value)));
                    case "operationTimeoutMs" -> b.operationTimeout(Duration.ofMillis(Long.parseLong(value)));
                    case "connectionTimeoutMs" -> b.connectionTimeout(Duration.ofMillis(Long.parseLong(value)));
                    default -> problems.add("unknown setting '" + key + "'; pulsar:// knows " + KEYS);
                }
            } catch (IllegalArgumentException e) {
                problems.add("setting '" + key + "' has an invalid value" + (isSecret(key) ? "" : " '" + value + "'")
                        + (e instanceof NumberFormatException ? ": expected a whole number" : ": " + e.getMessage()));
            }
        });
        try {
            PulsarOptions built = b.build();
            if (problems.isEmpty()) {
                return built;
            }
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        throw new ConfigurationException("invalid Pulsar settings", problems);
    }

    private static boolean bool(String key, String value) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(value);
    }

    static boolean isSecret(String key) {
        return key.equals("authToken") || key.equals("oauth2CredentialsUrl");
    }

    public String authToken() {
        return authToken;
    }

    public String adminUrl() {
        return adminUrl;
    }

    public String tlsTrustCertsFilePath() {
        return tlsTrustCertsFilePath;
    }

    public boolean tlsAllowInsecureConnection() {
        return tlsAllowInsecureConnection;
    }

    public boolean tlsHostnameVerification() {
        return tlsHostnameVerification;
    }

    public String oauth2IssuerUrl() {
        return oauth2IssuerUrl;
    }

    public String oauth2CredentialsUrl() {
        return oauth2CredentialsUrl;
    }

    public String oauth2Audience() {
        return oauth2Audience;
    }

    public Duration batchingMaxPublishDelay() {
        return batchingMaxPublishDelay;
    }

    public int batchingMaxMessages() {
        return batchingMaxMessages;
    }

    public CompressionType compression() {
        return compression;
    }

    public boolean chunking() {
        return chunking;
    }

    public Duration nackDelay() {
        return nackDelay;
    }

    public Duration operationTimeout() {
        return operationTimeout;
    }

    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    Consumer<ProducerBuilder<byte[]>> producerCustomizer() {
        return producerCustomizer;
    }

    Consumer<ConsumerBuilder<byte[]>> consumerCustomizer() {
        return consumerCustomizer;
    }

    /** What identifies a shareable client: everything that configures the connection. */
    String clientKey(String serviceUrl) {
        return serviceUrl + "|" + authToken + "|" + tlsTrustCertsFilePath + "|" + tlsAllowInsecureConnection + "|"
                + tlsHostnameVerification + "|" + oauth2IssuerUrl + "|" + oauth2CredentialsUrl + "|" + oauth2Audience
                + "|" + operationTimeout + "|" + connectionTimeout;
    }

    @Override
    public String toString() {
        return "PulsarOptions{auth=" + (authToken != null ? "token(****)" : oauth2IssuerUrl != null ? "oauth2(" + oauth2IssuerUrl + ")" : "none")
                + ", adminUrl=" + adminUrl + ", tlsTrustCertsFilePath=" + tlsTrustCertsFilePath
                + ", tlsAllowInsecureConnection=" + tlsAllowInsecureConnection + ", batchingMaxPublishDelay="
                + batchingMaxPublishDelay + ", batchingMaxMessages=" + batchingMaxMessages + ", compression=" + compression
                + ", chunking=" + chunking + ", nackDelay=" + nackDelay + ", operationTimeout=" + operationTimeout
                + ", connectionTimeout=" + connectionTimeout + "}";
    }

    /** Builds {@link PulsarOptions}; {@link #build()} lists every problem. Not thread-safe. */
    public static final class Builder {
        private String authToken;
        private String adminUrl;
        private String tlsTrustCertsFilePath;
        private boolean tlsAllowInsecureConnection;
        private boolean tlsHostnameVerification = true;
        private String oauth2IssuerUrl;
        private String oauth2CredentialsUrl;
        private String oauth2Audience;
        private Duration batchingMaxPublishDelay = Duration.ofMillis(1);
        private int batchingMaxMessages = 1000;
        private CompressionType compression = CompressionType.NONE;
        private boolean chunking = true;
        private Duration nackDelay = Duration.ofMillis(100);
        private Duration operationTimeout = Duration.ofSeconds(30);
        private Duration connectionTimeout = Duration.ofSeconds(10);
        private Consumer<ProducerBuilder<byte[]>> producerCustomizer = p -> { };
        private Consumer<ConsumerBuilder<byte[]>> consumerCustomizer = c -> { };

        private Builder() {
        }

        /** JWT token authentication. The token never appears in logs, messages or toString(). */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        /** Admin REST URL (default derived from the service URL: port 8080, or 8443 for TLS). */
        public Builder adminUrl(String url) {
            this.adminUrl = url;
            return this;
        }

        /** PEM file of trusted CA certificates for {@code pulsar+ssl://}. */
        public Builder tlsTrustCertsFilePath(String path) {
            this.tlsTrustCertsFilePath = path;
            return this;
        }

        /** Accept any server certificate (default false; for development only). */
        public Builder tlsAllowInsecureConnection(boolean allow) {
            this.tlsAllowInsecureConnection = allow;
            return this;
        }

        /** Check the server's host name against its certificate (default true). */
        public Builder tlsHostnameVerification(boolean verify) {
            this.tlsHostnameVerification = verify;
            return this;
        }

        /** OAuth2 client-credentials flow: the issuer URL. */
        public Builder oauth2IssuerUrl(String url) {
            this.oauth2IssuerUrl = url;
            return this;
        }

        /** OAuth2: URL of the credentials (key) file, e.g. {@code file:///path/key.json}. Treated as a secret. */
        public Builder oauth2CredentialsUrl(String url) {
            this.oauth2CredentialsUrl = url;
            return this;
        }

        public Builder oauth2Audience(String audience) {
            this.oauth2Audience = audience;
            return this;
        }

        /** Longest a message waits for its batch (default 1 ms). */
        public Builder batchingMaxPublishDelay(Duration delay) {
            this.batchingMaxPublishDelay = delay;
            return this;
        }

        /** Most messages per producer batch (default 1,000); 1 turns batching off. */
        public Builder batchingMaxMessages(int max) {
            this.batchingMaxMessages = max;
            return this;
        }

        /** Payload compression (default NONE). */
        public Builder compression(CompressionType type) {
            this.compression = type;
            return this;
        }

        /** Split payloads above the broker's 5 MiB message limit into chunks (default true). */
        public Builder chunking(boolean enabled) {
            this.chunking = enabled;
            return this;
        }

        /** Delay before a message handed back (nack) is redelivered (default 100 ms; the client's own is 1 min). */
        public Builder nackDelay(Duration delay) {
            this.nackDelay = delay;
            return this;
        }

        public Builder operationTimeout(Duration timeout) {
            this.operationTimeout = timeout;
            return this;
        }

        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * Escape hatch: adjusts every producer's raw builder after Courier's settings (the topic is set after it and
         * cannot be changed, so the per-topic producer cache stays correct).
         */
        public Builder producerCustomizer(Consumer<ProducerBuilder<byte[]>> customizer) {
            this.producerCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /** Escape hatch: adjusts every consumer's raw builder after Courier's settings. */
        public Builder consumerCustomizer(Consumer<ConsumerBuilder<byte[]>> customizer) {
            this.consumerCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        public PulsarOptions build() {
            List<String> problems = new ArrayList<>();
            if (authToken != null && authToken.isBlank()) {
                problems.add("authToken must not be blank");
            }
            if (authToken != null && oauth2IssuerUrl != null) {
                problems.add("choose token or OAuth2 authentication, not both");
            }
            if ((oauth2IssuerUrl == null) != (oauth2CredentialsUrl == null)) {
                problems.add("OAuth2 needs both oauth2IssuerUrl and oauth2CredentialsUrl");
            }
            if (batchingMaxPublishDelay == null || batchingMaxPublishDelay.isNegative()) {
                problems.add("batchingMaxPublishDelay must be zero or positive");
            }
            if (batchingMaxMessages < 1) {
                problems.add("batchingMaxMessages must be at least 1, got " + batchingMaxMessages);
            }
            if (compression == null) {
                problems.add("compression must not be null (use NONE)");
            }
            if (nackDelay == null || nackDelay.isNegative()) {
                problems.add("nackDelay must be zero or positive");
            }
            if (operationTimeout == null || operationTimeout.isNegative() || operationTimeout.isZero()) {
                problems.add("operationTimeout must be positive");
            }
            if (connectionTimeout == null || connectionTimeout.isNegative() || connectionTimeout.isZero()) {
                problems.add("connectionTimeout must be positive");
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid Pulsar options", problems);
            }
            return new PulsarOptions(this);
        }
    }
}
