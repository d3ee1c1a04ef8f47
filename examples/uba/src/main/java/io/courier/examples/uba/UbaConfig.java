package io.courier.examples.uba;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.courier.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The example's configuration, shaped like the article's {@code conf.Bootstrap}: server (HTTP address, body limit)
 * and data (Pulsar URL and codec, database). Read from YAML, then environment variables override single values;
 * {@link #validate()} lists every problem at once.
 */
public record UbaConfig(Server server, Data data) {
    /** The broker value that starts an embedded Pulsar standalone. */
    public static final String EMBEDDED_PULSAR = "embedded";
    /** The broker value that starts an embedded Kafka (KRaft, one node). */
    public static final String EMBEDDED_KAFKA = "embedded-kafka";
    /** The broker value that starts a private RabbitMQ node (the machine's rabbitmq-server package). */
    public static final String EMBEDDED_RABBITMQ = "embedded-rabbitmq";
    /** The broker value that starts a private NATS server with JetStream (the machine's nats-server package). */
    public static final String EMBEDDED_NATS = "embedded-nats";


    public record Server(Http http) {
    }

    /**
     * The gateway's HTTP side. {@code max_body_bytes} (default 65,536) bounds one report's request;
     * {@code max_batch_bytes} (default 4 MiB) and {@code max_batch_reports} (default 1,000) bound a batch request;
     * {@code max_in_flight} (default 8,192) is the most reports published and not yet confirmed by the broker, past
     * which the gateway answers 503 at once instead of queueing.
     */
    public record Http(String addr, @JsonProperty("max_body_bytes") int maxBodyBytes,
                       @JsonProperty("max_batch_bytes") int maxBatchBytes,
                       @JsonProperty("max_batch_reports") int maxBatchReports,
                       @JsonProperty("max_in_flight") int maxInFlight) {
        Http withAddr(String newAddr) {
            return new Http(newAddr, maxBodyBytes, maxBatchBytes, maxBatchReports, maxInFlight);
        }
    }

    public record Data(Pulsar pulsar, Database database) {
    }

    /**
     * Where and how to reach Pulsar. {@code admin_url} defaults to the service host on port 8080 (8443 for TLS);
     * {@code auth_token} is never printed; {@code tls_trust_certs_file} is a PEM file trusted for
     * {@code pulsar+ssl://}; {@code publish_timeout_ms} (default 10,000) bounds how long the gateway waits for the
     * broker before it answers 503.
     */
    public record Pulsar(String url, String codec, @JsonProperty("admin_url") String adminUrl,
                         @JsonProperty("auth_token") String authToken,
                         @JsonProperty("tls_trust_certs_file") String tlsTrustCertsFile,
                         @JsonProperty("publish_timeout_ms") long publishTimeoutMs) {

        /** Broker options for this Pulsar (the embedded one passes its own admin URL). */
        public io.courier.BrokerOptions brokerOptions(String adminUrlOverride) {
            io.courier.BrokerOptions.Builder b = io.courier.BrokerOptions.builder()
                    .publishTimeout(java.time.Duration.ofMillis(publishTimeoutMs));
            String admin = adminUrlOverride != null ? adminUrlOverride : adminUrl;
            if (admin != null && !admin.isBlank()) {
                b.property("adminUrl", admin);
            }
            if (authToken != null && !authToken.isBlank()) {
                b.property("authToken", authToken);
            }
            if (tlsTrustCertsFile != null && !tlsTrustCertsFile.isBlank()) {
                b.property("tlsTrustCertsFilePath", tlsTrustCertsFile);
            }
            return b.build();
        }

        @Override
        public String toString() {
            return "Pulsar[url=" + url + ", codec=" + codec + ", adminUrl=" + adminUrl + ", authToken="
                    + (authToken == null || authToken.isBlank() ? "none" : "****") + ", tlsTrustCertsFile="
                    + tlsTrustCertsFile + ", publishTimeoutMs=" + publishTimeoutMs + "]";
        }
    }

    public record Database(String url, String user, String password) {
        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + ", password=****]";
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The bundled defaults ({@code uba.yaml}), then {@code file} if given, then the environment. */
    public static UbaConfig load(Path file, Map<String, String> env) {
        UbaConfig config;
        try (InputStream in = UbaConfig.class.getResourceAsStream("/uba.yaml")) {
            JsonNode tree = YAML.readTree(in);
            if (file != null) {
                merge((ObjectNode) tree, YAML.readTree(Files.readString(file)));
            }
            config = YAML.treeToValue(tree, UbaConfig.class);
        } catch (IOException e) {
            String key = "";
            if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
                // name the key, in the file's own snake_case spelling (Jackson's first line names only the type)
                key = m.getPath().stream().map(com.fasterxml.jackson.databind.JsonMappingException.Reference::getFieldName)
                        .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.joining(".")) + ": ";
            }
            throw new ConfigurationException("cannot read configuration" + (file != null ? " " + file : "") + ": "
                    + key + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        return config.withEnvironment(env).validate();
    }

    /** Overlays {@code update} on {@code base}, key by key, so a file only states what it changes. */
    private static void merge(ObjectNode base, JsonNode update) {
        if (update == null || !update.isObject()) {
            return;
        }
        update.fields().forEachRemaining(e -> {
            JsonNode existing = base.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        });
    }

    UbaConfig withEnvironment(Map<String, String> env) {
        String addr = env.getOrDefault("UBA_SERVER_HTTP_ADDR", server.http.addr);
        String url = env.getOrDefault("UBA_DATA_PULSAR_URL", data.pulsar.url);
        String codec = env.getOrDefault("UBA_DATA_PULSAR_CODEC", data.pulsar.codec);
        String adminUrl = env.getOrDefault("UBA_DATA_PULSAR_ADMIN_URL", data.pulsar.adminUrl);
        String token = env.getOrDefault("UBA_DATA_PULSAR_AUTH_TOKEN", data.pulsar.authToken);
        String trust = env.getOrDefault("UBA_DATA_PULSAR_TLS_TRUST_CERTS_FILE", data.pulsar.tlsTrustCertsFile);
        long publishTimeoutMs = data.pulsar.publishTimeoutMs;
        String timeout = env.get("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS");
        if (timeout != null) {
            try {
                publishTimeoutMs = Long.parseLong(timeout.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("UBA_DATA_PULSAR_PUBLISH_TIMEOUT_MS must be a number of milliseconds, got '"
                        + timeout + "'");
            }
        }
        String dbUrl = env.getOrDefault("UBA_DATA_DATABASE_URL", data.database.url);
        String dbUser = env.getOrDefault("UBA_DATA_DATABASE_USER", data.database.user);
        String dbPassword = env.getOrDefault("UBA_DATA_DATABASE_PASSWORD", data.database.password);
        return new UbaConfig(new Server(server.http.withAddr(addr)),
                new Data(new Pulsar(url, codec, adminUrl, token, trust, publishTimeoutMs), new Database(dbUrl, dbUser, dbPassword)));
    }

    /** A copy with another Pulsar URL and database URL (the main job's command-line options). */
    public UbaConfig with(String pulsarUrl, String databaseUrl, String httpAddr) {
        return new UbaConfig(new Server(server.http.withAddr(httpAddr != null ? httpAddr : server.http.addr)),
                new Data(new Pulsar(pulsarUrl != null ? pulsarUrl : data.pulsar.url, data.pulsar.codec, data.pulsar.adminUrl,
                        data.pulsar.authToken, data.pulsar.tlsTrustCertsFile, data.pulsar.publishTimeoutMs),
                        new Database(databaseUrl != null ? databaseUrl : data.database.url, data.database.user,
                                data.database.password))).validate();
    }

    /** @throws ConfigurationException listing every problem */
    public UbaConfig validate() {
        List<String> problems = new ArrayList<>();
        if (server == null || server.http == null || server.http.addr == null || !server.http.addr.matches("[^:\\s]*:\\d{1,5}")) {
            problems.add("server.http.addr must be host:port (e.g. 127.0.0.1:8800), got "
                    + (server == null || server.http == null ? null : server.http.addr));
        }
        if (server != null && server.http != null && (server.http.maxBodyBytes < 256 || server.http.maxBodyBytes > 16 * 1024 * 1024)) {
            problems.add("server.http.max_body_bytes must be between 256 and 16777216, got " + server.http.maxBodyBytes);
        }
        if (server != null && server.http != null) {
            if (server.http.maxBatchBytes < 256 || server.http.maxBatchBytes > 64 * 1024 * 1024) {
                problems.add("server.http.max_batch_bytes must be between 256 and 67108864, got " + server.http.maxBatchBytes);
            }
            if (server.http.maxBatchReports < 1 || server.http.maxBatchReports > 100_000) {
                problems.add("server.http.max_batch_reports must be between 1 and 100000, got " + server.http.maxBatchReports);
            }
            if (server.http.maxInFlight < 1 || server.http.maxInFlight > 1_000_000) {
                problems.add("server.http.max_in_flight must be between 1 and 1000000, got " + server.http.maxInFlight);
            } else if (server.http.maxInFlight < server.http.maxBatchReports) {
                problems.add("server.http.max_in_flight (" + server.http.maxInFlight + ") must be at least "
                        + "server.http.max_batch_reports (" + server.http.maxBatchReports + "), or a full batch could never be taken");
            }
        }
        if (data == null || data.pulsar == null || data.pulsar.url == null
                || !(data.pulsar.url.equals(EMBEDDED_PULSAR) || data.pulsar.url.equals(EMBEDDED_KAFKA)
                || data.pulsar.url.equals(EMBEDDED_RABBITMQ) || data.pulsar.url.equals(EMBEDDED_NATS)
                || List.of("pulsar://", "pulsar+ssl://", "kafka://", "kafka+ssl://", "amqp://", "amqps://", "nats://",
                        "tls://", "memory://")
                        .stream()
                        .anyMatch(data.pulsar.url::startsWith))) {
            problems.add("data.pulsar.url (the broker) must be 'embedded' (Pulsar), 'embedded-kafka', 'embedded-rabbitmq', "
                    + "'embedded-nats', "
                    + "pulsar://host:port, pulsar+ssl://host:port, kafka://host:port[,host:port], kafka+ssl://..., "
                    + "amqp://host:port[/vhost], amqps://..., nats://host:port, tls://... or memory://, got "
                    + (data == null || data.pulsar == null ? null : data.pulsar.url));
        }
        if (data != null && data.pulsar != null && !List.of("json", "proto").contains(data.pulsar.codec)) {
            problems.add("data.pulsar.codec must be json or proto, got " + data.pulsar.codec);
        }
        if (data != null && data.pulsar != null) {
            if (data.pulsar.publishTimeoutMs < 100 || data.pulsar.publishTimeoutMs > 600_000) {
                problems.add("data.pulsar.publish_timeout_ms must be between 100 and 600000, got " + data.pulsar.publishTimeoutMs);
            }
            if (data.pulsar.adminUrl != null && !data.pulsar.adminUrl.isBlank()
                    && !data.pulsar.adminUrl.matches("https?://[^\\s/]+(:\\d{1,5})?/?")) {
                problems.add("data.pulsar.admin_url must be http(s)://host:port, got " + data.pulsar.adminUrl);
            }
            if (data.pulsar.tlsTrustCertsFile != null && !data.pulsar.tlsTrustCertsFile.isBlank()
                    && !Files.isReadable(Path.of(data.pulsar.tlsTrustCertsFile))) {
                problems.add("data.pulsar.tls_trust_certs_file is not a readable file: " + data.pulsar.tlsTrustCertsFile);
            }
            if (data.pulsar.authToken != null && !data.pulsar.authToken.isBlank() && data.pulsar.authToken.matches(".*\\s.*")) {
                problems.add("data.pulsar.auth_token must not contain whitespace (is it the token itself, without 'Bearer'?)");
            }
        }
        if (data == null || data.database == null || data.database.url == null || !data.database.url.startsWith("jdbc:")) {
            problems.add("data.database.url must be a JDBC URL (jdbc:h2:... or jdbc:postgresql://...), got "
                    + (data == null || data.database == null ? null : data.database.url));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("invalid UBA configuration", problems);
        }
        return this;
    }

    public String host() {
        return server.http.addr.substring(0, server.http.addr.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(server.http.addr.substring(server.http.addr.lastIndexOf(':') + 1));
    }
}
