package io.courier.rabbitmq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.courier.ConnectException;
import io.courier.CourierException;
import io.courier.SubscriptionInfo;
import io.courier.SubscriptionType;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.spi.AdminFacets;
import io.courier.core.spi.BrokerErrors;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Topics and cursors of RabbitMQ. What AMQP answers (declaring, a queue's ready messages and consumers, purging) is
 * asked on a short-lived channel; what only the management plugin knows (which exchanges and queues exist, bindings,
 * unacknowledged counts) comes from its HTTP API. A subscription's backlog is its queue's ready messages plus those
 * delivered to this process's consumers and not yet settled: AMQP tells nobody how many other processes hold, and the
 * management statistics that do lag by seconds ({@link SubscriptionInfo#unacknowledged()} shows them). Thread-safe.
 */
final class RabbitAdmin implements AdminFacets.Topics, AdminFacets.Cursors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A call on a channel, which may fail as the client does. */
    interface ChannelCall<T> {
        T on(Channel channel) throws IOException;
    }

    private final Connection connection;
    private final RabbitSettings settings;
    private final BrokerErrors errors;
    private final HttpClient http;
    private final java.util.function.ToLongFunction<String> heldHere;

    /** @param heldHere messages of a queue delivered to this broker's consumers and not yet settled */
    RabbitAdmin(Connection connection, RabbitSettings settings, BrokerErrors errors,
                java.util.function.ToLongFunction<String> heldHere) {
        this.connection = connection;
        this.heldHere = heldHere;
        this.settings = settings;
        this.errors = errors;
        this.http = HttpClient.newBuilder().connectTimeout(settings.get(RabbitSettings.CONNECT_TIMEOUT)).build();
    }

    /** {@code call} on a channel of its own (a refused call closes its channel), closed after. */
    <T> T onChannel(String what, ChannelCall<T> call) {
        try (Channel ch = connection.createChannel()) {
            return call.on(ch);
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            if (e instanceof CourierException c) {
                throw c;
            }
            throw new io.courier.SubscribeException("cannot " + what + " on " + errors.scrub(settings.addresses()
                    .toString()) + ": " + errors.scrub(RabbitErrors.replyText(e)), e);
        }
    }

    /** The queue's ready messages and consumers, or empty when it does not exist. */
    Optional<AMQP.Queue.DeclareOk> queue(String queue) {
        try (Channel ch = connection.createChannel()) {
            return Optional.of(ch.queueDeclarePassive(queue));
        } catch (IOException e) {
            if (RabbitErrors.replyCode(e) == AMQP.NOT_FOUND) {
                return Optional.empty();
            }
            throw new io.courier.SubscribeException("cannot read queue '" + queue + "': " + errors.reason(e), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new io.courier.SubscribeException("cannot read queue '" + queue + "': " + errors.reason(e), e);
        }
    }

    @Override
    public void ensureTopic(String topic, int partitions) {
        if (partitions > 1) {
            throw new UnsupportedFeatureException("rabbitmq", "PARTITIONS", "ensure topic '" + topic + "' with "
                    + partitions + " partitions", "a RabbitMQ topic is one exchange; several consumers of a SHARED "
                    + "subscription already share its load");
        }
        onChannel("declare topic '" + topic + "'", ch -> ch.exchangeDeclare(topic, BuiltinExchangeType.FANOUT, true));
    }

    @Override
    public List<TopicInfo> topics() {
        List<TopicInfo> topics = new ArrayList<>();
        for (JsonNode e : get("/api/exchanges/" + encode(settings.vhost()) + "?columns=name,type")) {
            String name = e.path("name").asText();
            if ("fanout".equals(e.path("type").asText()) && !name.isEmpty() && !name.startsWith("amq.")) {
                topics.add(new TopicInfo(name, 0, OptionalLong.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                        OptionalLong.empty()));
            }
        }
        topics.sort(Comparator.comparing(TopicInfo::name));
        return topics;
    }

    @Override
    public List<SubscriptionInfo> subscriptions(String topic) {
        JsonNode bindings = get("/api/exchanges/" + encode(settings.vhost()) + "/" + encode(topic) + "/bindings/source");
        List<SubscriptionInfo> subscriptions = new ArrayList<>();
        for (JsonNode b : bindings) {
            if (!"queue".equals(b.path("destination_type").asText())) {
                continue;
            }
            String queue = b.path("destination").asText();
            AMQP.Queue.DeclareOk ok = queue(queue).orElse(null);
            if (ok == null) {
                continue;
            }
            JsonNode q = get("/api/queues/" + encode(settings.vhost()) + "/" + encode(queue));
            String prefix = RabbitBroker.queuePrefix(topic);
            subscriptions.add(new SubscriptionInfo(queue.startsWith(prefix) ? queue.substring(prefix.length()) : queue,
                    type(ok.getConsumerCount(), q), ok.getConsumerCount(), ok.getMessageCount() + heldHere.applyAsLong(queue),
                    q.has("messages_unacknowledged") ? OptionalLong.of(q.path("messages_unacknowledged").asLong())
                            : OptionalLong.empty(), OptionalDouble.empty()));
        }
        subscriptions.sort(Comparator.comparing(SubscriptionInfo::name));
        return subscriptions;
    }

    /** What the consumers say: none while none is connected or the statistics do not show them yet. */
    private static Optional<SubscriptionType> type(int consumers, JsonNode queue) {
        JsonNode details = queue.path("consumer_details");
        if (consumers == 0 || !details.isArray() || details.isEmpty()) {
            return Optional.empty();
        }
        if (queue.path("arguments").path("x-single-active-consumer").asBoolean(false)) {
            return Optional.of(SubscriptionType.FAILOVER);
        }
        for (JsonNode c : details) {
            if (c.path("exclusive").asBoolean(false)) {
                return Optional.of(SubscriptionType.EXCLUSIVE);
            }
        }
        return Optional.of(SubscriptionType.SHARED);
    }

    @Override
    public long backlog(String topic, String subscription) {
        String queue = RabbitBroker.queueName(topic, subscription);
        return queue(queue).map(ok -> ok.getMessageCount() + heldHere.applyAsLong(queue)).orElse(0L);
    }

    @Override
    public void skip(String topic, String subscription, long messages) {
        String queue = RabbitBroker.queueName(topic, subscription);
        onChannel("skip messages of '" + subscription + "'", ch -> {
            for (long i = 0; i < messages && ch.basicGet(queue, true) != null; i++) {
                // taken with automatic acknowledgement: gone
            }
            return null;
        });
    }

    @Override
    public void skipAll(String topic, String subscription) {
        String queue = RabbitBroker.queueName(topic, subscription);
        onChannel("skip the backlog of '" + subscription + "'", ch -> ch.queuePurge(queue));
    }

    @Override
    public void resetCursor(String topic, String subscription, Instant time) {
        throw new UnsupportedFeatureException("rabbitmq", "resetting a cursor", "reset the cursor of '" + subscription
                + "'", "RabbitMQ deletes a message once it is acknowledged, so there is no history to go back to: "
                + "replay from a log (Kafka, Pulsar) or from the dead-letter topic");
    }

    private JsonNode get(String path) {
        String base = settings.managementUrl();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(settings.get(RabbitSettings.CONNECT_TIMEOUT))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (settings.username() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8)))
                .GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ConnectException("cannot reach RabbitMQ's management API at " + base + " (" + errors.reason(e)
                    + "); listing topics and subscriptions needs the rabbitmq_management plugin: enable it, or set "
                    + "managementUrl");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while asking the management API at " + base);
        }
        if (response.statusCode() == 404) {
            return JSON.createArrayNode();
        }
        if (response.statusCode() != 200) {
            throw new ConnectException("RabbitMQ's management API at " + base + " answered " + response.statusCode()
                    + (response.statusCode() == 401 ? ": it refused the credentials (the user needs the management or "
                    + "monitoring tag)" : ""));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ConnectException("RabbitMQ's management API at " + base + " answered what is not JSON", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
