package io.courier.nats;

import io.courier.ConfigurationException;
import io.courier.core.spi.BrokerUrls;
import io.courier.core.spi.CommonOptions;
import io.courier.core.spi.Option;
import io.courier.core.spi.OptionSet;
import io.courier.core.spi.OptionValues;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NATS settings, each declared once in {@link #DECLARED}: read from the URL query
 * ({@code nats://host:4222?replicas=3}), {@link io.courier.BrokerOptions#properties()} and {@code COURIER_NATS_*}
 * environment variables; secrets never printed; the README's table is generated from it. Credentials come from
 * settings only (a user and password, a token, or a credentials file), never from the URL. Immutable.
 *
 * @param servers every server of the URL as {@code nats://host:port} (or {@code tls://})
 * @param tls     {@code tls://}
 */
record NatsSettings(List<String> servers, boolean tls, OptionValues values) {

    /** Where a stream Courier creates keeps its messages. */
    enum Storage {
        /** On disk: kept across a server's restart. */
        FILE,
        /** In memory: faster, lost with the server. */
        MEMORY
    }

    static final Option<String> USERNAME = Option.text("username", "User to log in as (with `password`).");
    static final Option<String> PASSWORD = Option.text("password", "Password of `username`.").secret();
    static final Option<String> TOKEN = Option.text("token", "Authentication token, instead of a user.").secret();
    static final Option<String> CREDENTIALS_FILE = Option.text("credentialsFile",
            "A `.creds` file (JWT and NKey seed) to log in with, instead of a user or token.");
    static final Option<Storage> STORAGE = Option.choice("storage", Storage.class, Storage.FILE,
            "Storage of streams Courier creates: `FILE` (kept across restarts) or `MEMORY`.");
    static final Option<Long> REPLICAS = Option.number("replicas", 1, 1, 5,
            "Replicas of streams Courier creates (3 on a cluster of three for a stream that survives a server's loss).");
    static final Option<Duration> MAX_AGE = Option.millis("maxAgeMs", Duration.ZERO, Duration.ZERO,
            "How long a stream Courier creates keeps a message, acknowledged or not (0: until `maxBytes`).");
    static final Option<Long> MAX_BYTES = Option.number("maxBytes", -1, -1, Long.MAX_VALUE,
            "Most bytes a stream Courier creates keeps, the oldest removed first (-1: no limit).");
    static final Option<Duration> ACK_WAIT = Option.millis("ackWaitMs", Duration.ofSeconds(30), Duration.ofSeconds(1),
            "How long a delivered message may stay unsettled before the server delivers it again; a handler that runs "
                    + "longer is kept alive by in-progress acks.");
    static final Option<Long> MAX_DELIVER = Option.number("maxDeliver", -1, -1, Integer.MAX_VALUE,
            "Deliveries of one message after which the server stops delivering it (-1: no limit; Courier's retry "
                    + "policy sends it to the dead-letter topic long before).");
    static final Option<Duration> MEMBER_TTL = Option.millis("memberTtlMs", Duration.ofSeconds(5),
            Duration.ofMillis(500), "How long a consumer that stopped renewing (a crashed process) still counts as "
                    + "connected, and holds an EXCLUSIVE or FAILOVER subscription.");
    static final Option<Duration> CONNECT_TIMEOUT = Option.millis("connectTimeoutMs", Duration.ofSeconds(2),
            Duration.ofMillis(1), "Timeout of connecting, and of JetStream's admin calls; the client takes this long "
                    + "to give up on credentials the server refused.");
    static final Option<Duration> RECONNECT_WAIT = Option.millis("reconnectWaitMs", Duration.ofSeconds(1),
            Duration.ofMillis(10), "Pause between attempts to reconnect after the connection is lost.");
    static final Option<Long> MAX_MESSAGE_BYTES = CommonOptions.maxMessageBytes(8 * 1024 * 1024, "The server's "
            + "`max_payload` (1 MiB unless configured) bounds it too; the smaller wins.");
    static final Option<Duration> NACK_DELAY = CommonOptions.NACK_DELAY;
    static final Option<String> TLS_TRUSTSTORE = CommonOptions.TLS_TRUSTSTORE;
    static final Option<String> TLS_TRUSTSTORE_PASSWORD = CommonOptions.TLS_TRUSTSTORE_PASSWORD;
    static final Option<Boolean> TLS_HOSTNAME_VERIFICATION = CommonOptions.TLS_HOSTNAME_VERIFICATION;

    static final OptionSet DECLARED = OptionSet.builder("nats")
            .add(USERNAME, PASSWORD, TOKEN, CREDENTIALS_FILE, STORAGE, REPLICAS, MAX_AGE, MAX_BYTES,
                    ACK_WAIT, MAX_DELIVER, MEMBER_TTL, CONNECT_TIMEOUT, RECONNECT_WAIT, MAX_MESSAGE_BYTES, NACK_DELAY,
                    TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_HOSTNAME_VERIFICATION)
            .check(NatsSettings::crossCheck)
            .build();

    /** Settings of {@code url}: {@code nats://host[:4222][,host2[:port]][?settings]} or {@code tls://...}. */
    static NatsSettings from(URI url, Map<String, String> properties, Map<String, String> environment) {
        BrokerUrls.refuseCredentials(url, "NATS", "set username and password, token or credentialsFile as settings");
        String authority = url.getRawAuthority();
        if (authority == null || authority.isBlank()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://' names no NATS server; expected "
                    + "nats://host:4222");
        }
        boolean tls = "tls".equals(url.getScheme());
        List<String> servers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String server : authority.split(",")) {
            int colon = server.lastIndexOf(':');
            String host = colon < 0 ? server : server.substring(0, colon);
            String port = colon < 0 ? "4222" : server.substring(colon + 1);
            if (host.isBlank() || port.isEmpty() || !port.chars().allMatch(Character::isDigit) || port.length() > 5) {
                problems.add("'" + server + "' is not host[:port]");
            } else {
                servers.add((tls ? "tls://" : "nats://") + host + ":" + port);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://" + authority + "' is invalid: "
                    + String.join("; ", problems));
        }
        return new NatsSettings(List.copyOf(servers), tls, DECLARED.parse(url, properties, environment));
    }

    private static List<String> crossCheck(OptionValues v) {
        List<String> problems = new ArrayList<>();
        int ways = (v.isSet(USERNAME) || v.isSet(PASSWORD) ? 1 : 0) + (v.isSet(TOKEN) ? 1 : 0)
                + (v.isSet(CREDENTIALS_FILE) ? 1 : 0);
        if (ways > 1) {
            problems.add("give one way to log in: username and password, token, or credentialsFile");
        }
        if (v.isSet(USERNAME) != v.isSet(PASSWORD)) {
            problems.add("username and password go together");
        }
        if (v.isSet(CREDENTIALS_FILE) && !Files.isReadable(Path.of(v.get(CREDENTIALS_FILE)))) {
            problems.add("credentialsFile '" + v.get(CREDENTIALS_FILE) + "' is not a readable file");
        }
        problems.addAll(CommonOptions.trustStoreProblems(v));
        return problems;
    }

    <T> T get(Option<T> option) {
        return values.get(option);
    }

    boolean isSet(Option<?> option) {
        return values.isSet(option);
    }

    @Override
    public String toString() {
        return "NatsSettings{" + servers + ", " + values + "}";
    }
}
