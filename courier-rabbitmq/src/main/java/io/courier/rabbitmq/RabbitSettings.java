package io.courier.rabbitmq;

import com.rabbitmq.client.Address;
import io.courier.ConfigurationException;
import io.courier.core.spi.CommonOptions;
import io.courier.core.spi.Option;
import io.courier.core.spi.OptionSet;
import io.courier.core.spi.OptionValues;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RabbitMQ settings, each declared once in {@link #DECLARED}: read from the URL query
 * ({@code amqp://host:5672/vhost?queueType=CLASSIC}), {@link io.courier.BrokerOptions#properties()} and
 * {@code COURIER_RABBITMQ_*} environment variables; secrets never printed; the README's table is generated from it.
 * Credentials may also come from the URL ({@code amqp://user:password@host}), percent-encoded; settings win over the
 * URL. Immutable.
 *
 * @param addresses every node of the URL ({@code host[:port]}, comma-separated in the URL)
 * @param tls       {@code amqps://}
 * @param vhost     the virtual host: the URL's path without its slash, {@code /} when empty
 * @param username  from the settings, else the URL, else RabbitMQ's {@code guest}
 * @param password  likewise; a secret
 */
record RabbitSettings(List<Address> addresses, boolean tls, String vhost, String username, String password,
                      OptionValues values) {

    /** How a subscription's queue is kept. */
    enum QueueType {
        /** Replicated on every node of a cluster (Raft), with a delivery limit; RabbitMQ's durable queue type. */
        QUORUM,
        /** One node's queue: faster on a single node, no delivery limit, lost with its node's disk. */
        CLASSIC
    }

    static final Option<String> USERNAME = Option.text("username", "User to log in as (else the URL's, else `guest`).");
    static final Option<String> PASSWORD = Option.text("password", "Password (else the URL's, else `guest`).").secret();
    static final Option<QueueType> QUEUE_TYPE = Option.choice("queueType", QueueType.class, QueueType.QUORUM,
            "Queue type of subscriptions Courier creates: `QUORUM` (replicated, delivery limit) or `CLASSIC`.");
    static final Option<Long> DELIVERY_LIMIT = Option.number("deliveryLimit", 20, 1, 1_000_000,
            "Quorum queues: deliveries of one message before RabbitMQ moves it to the subscription's dead-letter topic "
                    + "(the broker's safety net behind Courier's retry policy, for messages that keep crashing consumers).");
    static final Option<String> MANAGEMENT_URL = Option.text("managementUrl", "Management HTTP API for listing topics "
            + "and subscriptions (default `http://<first host>:15672`, the same credentials).");
    static final Option<Boolean> DROP_UNROUTABLE = Option.flag("dropUnroutable", false, "Complete a publish that no "
            + "subscription's queue takes (RabbitMQ drops it); by default such a publish fails with a PublishException.");
    static final Option<Duration> CONNECT_TIMEOUT = Option.millis("connectTimeoutMs", Duration.ofSeconds(10),
            Duration.ofMillis(1), "Timeout of opening the connection, and of admin calls.");
    static final Option<Duration> RECOVERY_INTERVAL = Option.millis("recoveryIntervalMs", Duration.ofSeconds(1),
            Duration.ofMillis(10), "Pause between attempts to reconnect after the connection is lost.");
    static final Option<Long> MAX_MESSAGE_BYTES = CommonOptions.maxMessageBytes(16 * 1024 * 1024, "RabbitMQ's "
            + "`max_message_size` (128 MiB by default) must allow it plus headers.");
    static final Option<Duration> NACK_DELAY = CommonOptions.NACK_DELAY;
    static final Option<Boolean> TLS_HOSTNAME_VERIFICATION = CommonOptions.TLS_HOSTNAME_VERIFICATION;

    static final OptionSet DECLARED = OptionSet.builder("rabbitmq")
            .add(USERNAME, PASSWORD, QUEUE_TYPE, DELIVERY_LIMIT, MANAGEMENT_URL, DROP_UNROUTABLE, CONNECT_TIMEOUT,
                    RECOVERY_INTERVAL, MAX_MESSAGE_BYTES, NACK_DELAY, TLS_HOSTNAME_VERIFICATION)
            .check(RabbitSettings::crossCheck)
            .build();

    /** Settings of {@code url}: {@code amqp[s]://[user[:password]@]host[:port][,host2[:port]][/vhost][?settings]}. */
    static RabbitSettings from(URI url, Map<String, String> properties, Map<String, String> environment) {
        String authority = url.getRawAuthority();
        if (authority == null || authority.isBlank()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://' names no RabbitMQ node; expected "
                    + "amqp://host:5672[/vhost]");
        }
        boolean tls = "amqps".equals(url.getScheme());
        String user = null;
        String pass = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            pass = colon < 0 ? null : decode(info.substring(colon + 1));
            authority = authority.substring(at + 1);
        }
        List<Address> addresses = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String node : authority.split(",")) {
            int colon = node.lastIndexOf(':');
            String host = colon < 0 ? node : node.substring(0, colon);
            String port = colon < 0 ? "" : node.substring(colon + 1);
            if (host.isBlank() || !port.chars().allMatch(Character::isDigit) || port.length() > 5) {
                problems.add("'" + node + "' is not host[:port]");
            } else {
                addresses.add(new Address(host, port.isEmpty() ? (tls ? 5671 : 5672) : Integer.parseInt(port)));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("broker URL '" + url.getScheme() + "://" + authority + "' is invalid: "
                    + String.join("; ", problems));
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        String vhost = path.isEmpty() || path.equals("/") ? "/" : decode(path.substring(1));
        Map<String, String> merged = new LinkedHashMap<>(properties);
        OptionValues values = DECLARED.parse(url, merged, environment);
        // a password given only in the URL is a secret all the same: scrubbed from every message
        if (pass != null && !values.isSet(PASSWORD)) {
            merged.put(PASSWORD.name(), pass);
            values = DECLARED.parse(url, merged, environment);
        }
        String username = values.isSet(USERNAME) ? values.get(USERNAME) : user != null ? user : "guest";
        String password = values.isSet(PASSWORD) ? values.get(PASSWORD) : "guest";
        return new RabbitSettings(List.copyOf(addresses), tls, vhost, username, password, values);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static List<String> crossCheck(OptionValues v) {
        List<String> problems = new ArrayList<>();
        if (v.isSet(DELIVERY_LIMIT) && v.get(QUEUE_TYPE) == QueueType.CLASSIC) {
            problems.add("deliveryLimit is for quorum queues; classic queues have none");
        }
        if (v.isSet(MANAGEMENT_URL)) {
            String m = v.get(MANAGEMENT_URL);
            if (!m.startsWith("http://") && !m.startsWith("https://")) {
                problems.add("managementUrl '" + m + "' is not an http:// or https:// URL");
            }
        }
        return problems;
    }

    <T> T get(Option<T> option) {
        return values.get(option);
    }

    /** The management API's base URL, without a trailing slash. */
    String managementUrl() {
        String m = values.isSet(MANAGEMENT_URL) ? values.get(MANAGEMENT_URL)
                : (tls ? "https://" : "http://") + addresses.get(0).getHost() + ":" + (tls ? 15671 : 15672);
        return m.endsWith("/") ? m.substring(0, m.length() - 1) : m;
    }

    @Override
    public String toString() {
        return "RabbitSettings{" + addresses + ", tls=" + tls + ", vhost=" + vhost + ", user=" + username + ", "
                + values + "}";
    }
}
