package io.courier.rabbitmq;

import io.courier.Topics;
import io.courier.core.spi.TopicNaming;
import io.courier.core.spi.ValidTopicNames;
import java.nio.charset.StandardCharsets;

/**
 * RabbitMQ's topic names: exchange names, at most 255 bytes of UTF-8 and never starting with {@code amq.} (reserved
 * for the broker's own), and not {@code courier.requests} (Courier's, for requests). A subscription's queue name, {@code <topic>::<subscription>}, must fit the same 255 bytes;
 * that is checked at subscribe. One name per topic: no tenant or namespace, no partitions. Thread-safe.
 */
final class RabbitTopicNaming implements TopicNaming {
    static final RabbitTopicNaming INSTANCE = new RabbitTopicNaming();
    private static final int MAX_BYTES = 255;

    private final ValidTopicNames recentlyValid = new ValidTopicNames(4_096);

    private RabbitTopicNaming() {
    }

    @Override
    public String problem(String topic) {
        return recentlyValid.problem(topic, RabbitTopicNaming::check);
    }

    private static String check(String topic) {
        String general = Topics.problem(topic);
        if (general != null) {
            return general;
        }
        if (topic.startsWith("amq.")) {
            return "topic '" + topic + "' starts with 'amq.', which RabbitMQ keeps for its own exchanges";
        }
        if (topic.equals(RabbitRequests.EXCHANGE)) {
            return "topic '" + topic + "' is the exchange Courier sends requests through";
        }
        int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "topic '" + topic.substring(0, 40) + "...' is " + bytes + " bytes long; RabbitMQ allows " + MAX_BYTES;
        }
        return null;
    }

    @Override
    public String qualified(String topic) {
        return topic;
    }
}
