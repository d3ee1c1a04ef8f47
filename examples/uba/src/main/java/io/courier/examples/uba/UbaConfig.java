package io.courier.examples.uba;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    public record Server(Http http) {
    }

    public record Http(String addr, @JsonProperty("max_body_bytes") int maxBodyBytes) {
    }

    public record Data(Pulsar pulsar, Database database) {
    }

    public record Pulsar(String url, String codec) {
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
            throw new ConfigurationException("cannot read configuration" + (file != null ? " " + file : "") + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
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
        String dbUrl = env.getOrDefault("UBA_DATA_DATABASE_URL", data.database.url);
        String dbUser = env.getOrDefault("UBA_DATA_DATABASE_USER", data.database.user);
        String dbPassword = env.getOrDefault("UBA_DATA_DATABASE_PASSWORD", data.database.password);
        return new UbaConfig(new Server(new Http(addr, server.http.maxBodyBytes)),
                new Data(new Pulsar(url, codec), new Database(dbUrl, dbUser, dbPassword)));
    }

    /** A copy with another Pulsar URL and database URL (the main job's command-line options). */
    public UbaConfig with(String pulsarUrl, String databaseUrl, String httpAddr) {
        return new UbaConfig(new Server(new Http(httpAddr != null ? httpAddr : server.http.addr, server.http.maxBodyBytes)),
                new Data(new Pulsar(pulsarUrl != null ? pulsarUrl : data.pulsar.url, data.pulsar.codec),
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
        if (data == null || data.pulsar == null || data.pulsar.url == null
                || !(data.pulsar.url.equals("embedded") || data.pulsar.url.startsWith("pulsar://")
                || data.pulsar.url.startsWith("pulsar+ssl://") || data.pulsar.url.startsWith("memory://"))) {
            problems.add("data.pulsar.url must be 'embedded', pulsar://host:port, pulsar+ssl://host:port or memory://, got "
                    + (data == null || data.pulsar == null ? null : data.pulsar.url));
        }
        if (data != null && data.pulsar != null && !List.of("json", "proto").contains(data.pulsar.codec)) {
            problems.add("data.pulsar.codec must be json or proto, got " + data.pulsar.codec);
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
