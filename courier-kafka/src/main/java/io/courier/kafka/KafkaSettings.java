package io.courier.kafka;

import io.courier.ConfigurationException;
import io.courier.core.spi.BrokerUrls;
import io.courier.core.spi.CommonOptions;
import io.courier.core.spi.Option;
import io.courier.core.spi.OptionSet;
import io.courier.core.spi.OptionValues;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka settings, each declared once in {@link #DECLARED}: read from the URL query
 * ({@code kafka://host:9092?compression=LZ4}), {@link io.courier.BrokerOptions#properties()} and
 * {@code COURIER_KAFKA_*} environment variables; secrets never printed; the README's table is generated from it.
 * Native client settings go through as they are under {@code client.} (producer, consumer and admin alike),
 * {@code producer.} and {@code consumer.}. Immutable.
 */
record KafkaSettings(String bootstrapServers, boolean tls, OptionValues values) {

    /** How a client proves who it is (SASL); NONE for an open or TLS-only cluster. */
    enum SaslMechanism {
        NONE, PLAIN, SCRAM_SHA_256, SCRAM_SHA_512;

        String kafkaName() {
            return name().replace('_', '-');
        }
    }

    /** Kafka's own compression codecs. */
    enum Compression {
        NONE, GZIP, SNAPPY, LZ4, ZSTD
    }

    static final Option<SaslMechanism> SASL_MECHANISM = Option.choice("saslMechanism", SaslMechanism.class,
            SaslMechanism.NONE, "SASL authentication: `PLAIN`, `SCRAM_SHA_256` or `SCRAM_SHA_512` (with `saslUsername` "
                    + "and `saslPassword`).");
    static final Option<String> SASL_USERNAME = Option.text("saslUsername", "SASL user name.");
    static final Option<String> SASL_PASSWORD = Option.text("saslPassword", "SASL password.").secret();
    static final Option<String> TLS_TRUSTSTORE = CommonOptions.TLS_TRUSTSTORE;
    static final Option<String> TLS_TRUSTSTORE_PASSWORD = CommonOptions.TLS_TRUSTSTORE_PASSWORD;
    static final Option<Boolean> TLS_HOSTNAME_VERIFICATION = CommonOptions.TLS_HOSTNAME_VERIFICATION;
    static final Option<Duration> LINGER = Option.millis("lingerMs", Duration.ofMillis(5), Duration.ZERO,
            "Longest a record waits for its producer batch (the client's default).");
    static final Option<Long> BATCH_BYTES = Option.number("batchBytes", 64 * 1024, 1, Integer.MAX_VALUE,
            "Most bytes per producer batch and partition.");
    static final Option<Compression> COMPRESSION = Option.choice("compression", Compression.class, Compression.NONE,
            "Producer compression.");
    static final Option<Long> MAX_MESSAGE_BYTES = CommonOptions.maxMessageBytes(1024 * 1024, "The broker's "
            + "`message.max.bytes` (about 1 MiB by default) must allow it plus headers.");
    static final Option<Long> PARTITIONS = Option.number("partitions", 1, 1, 100_000,
            "Partitions of topics Courier creates when a subscription finds its topic missing.");
    static final Option<Duration> COMMIT_INTERVAL = Option.millis("commitIntervalMs", Duration.ofMillis(100),
            Duration.ofMillis(1), "How often a subscription commits its acknowledged offsets.");
    static final Option<Duration> NACK_DELAY = CommonOptions.NACK_DELAY;
    static final Option<Duration> API_TIMEOUT = Option.millis("apiTimeoutMs", Duration.ofSeconds(30),
            Duration.ofMillis(1), "Timeout of admin and metadata calls: opening, creating topics, joining a group.");

    static final String CLIENT = "client.";
    static final String PRODUCER = "producer.";
    static final String CONSUMER = "consumer.";

    static final OptionSet DECLARED = OptionSet.builder("kafka")
            .add(SASL_MECHANISM, SASL_USERNAME, SASL_PASSWORD, TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD,
                    TLS_HOSTNAME_VERIFICATION, LINGER, BATCH_BYTES, COMPRESSION, MAX_MESSAGE_BYTES, PARTITIONS,
                    COMMIT_INTERVAL, NACK_DELAY, API_TIMEOUT)
            .passThrough(CLIENT, "Native settings for the producer, consumers and admin client alike, e.g. "
                    + "`client.client.dns.lookup=use_all_dns_ips`; Courier's own settings above win.")
            .passThrough(PRODUCER, "Native producer settings, e.g. `producer.buffer.memory=67108864`.")
            .passThrough(CONSUMER, "Native consumer settings, e.g. `consumer.fetch.max.bytes=1048576`.")
            .check(KafkaSettings::crossCheck)
            .build();

    /** Settings of {@code url} ({@code kafka://h1:9092[,h2:9092]} or {@code kafka+ssl://...}). */
    static KafkaSettings from(URI url, Map<String, String> properties, Map<String, String> environment) {
        String servers = url.getRawAuthority();
        if (servers == null || servers.isBlank()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://' names no Kafka server; expected "
                    + "kafka://host:9092[,host2:9092]");
        }
        BrokerUrls.refuseCredentials(url, "Kafka", "Kafka takes them as saslUsername / saslPassword (properties or "
                + "COURIER_KAFKA_* environment variables)");
        List<String> problems = new ArrayList<>();
        for (String server : servers.split(",")) {
            int colon = server.lastIndexOf(':');
            if (colon <= 0 || colon == server.length() - 1 || !server.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                problems.add("'" + server + "' is not host:port");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://" + servers + "' is invalid: "
                    + String.join("; ", problems));
        }
        return new KafkaSettings(servers, "kafka+ssl".equals(url.getScheme()),
                DECLARED.parse(url, properties, environment));
    }

    private static List<String> crossCheck(OptionValues v) {
        List<String> problems = new ArrayList<>();
        boolean sasl = v.get(SASL_MECHANISM) != SaslMechanism.NONE;
        if (sasl && (!v.isSet(SASL_USERNAME) || !v.isSet(SASL_PASSWORD))) {
            problems.add("saslMechanism " + v.get(SASL_MECHANISM) + " needs saslUsername and saslPassword");
        }
        if (!sasl && (v.isSet(SASL_USERNAME) || v.isSet(SASL_PASSWORD))) {
            problems.add("saslUsername / saslPassword are given but saslMechanism is NONE");
        }
        problems.addAll(CommonOptions.trustStoreProblems(v));
        return problems;
    }

    <T> T get(Option<T> option) {
        return values.get(option);
    }

    /** What every client of this broker shares: servers, security, native {@code client.} settings. */
    Properties common(String clientId) {
        Properties p = new Properties();
        p.putAll(values.passThrough(CLIENT));
        p.put("bootstrap.servers", bootstrapServers);
        p.put("client.id", clientId);
        p.put("default.api.timeout.ms", Long.toString(get(API_TIMEOUT).toMillis()));
        p.put("request.timeout.ms", Long.toString(Math.min(30_000, get(API_TIMEOUT).toMillis())));
        SaslMechanism sasl = get(SASL_MECHANISM);
        p.put("security.protocol", (sasl == SaslMechanism.NONE ? "" : "SASL_") + (tls ? "SSL" : "PLAINTEXT"));
        if (sasl != SaslMechanism.NONE) {
            String module = sasl == SaslMechanism.PLAIN ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            p.put("sasl.mechanism", sasl.kafkaName());
            p.put("sasl.jaas.config", module + " required username=\"" + jaasQuoted(get(SASL_USERNAME))
                    + "\" password=\"" + jaasQuoted(get(SASL_PASSWORD)) + "\";");
        }
        if (tls) {
            if (values.isSet(TLS_TRUSTSTORE)) {
                p.put("ssl.truststore.location", get(TLS_TRUSTSTORE));
            }
            if (values.isSet(TLS_TRUSTSTORE_PASSWORD)) {
                p.put("ssl.truststore.password", get(TLS_TRUSTSTORE_PASSWORD));
            }
            if (!get(TLS_HOSTNAME_VERIFICATION)) {
                p.put("ssl.endpoint.identification.algorithm", "");
            }
        }
        return p;
    }


    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String toString() {
        return "KafkaSettings{" + bootstrapServers + ", tls=" + tls + ", " + values + "}";
    }
}
