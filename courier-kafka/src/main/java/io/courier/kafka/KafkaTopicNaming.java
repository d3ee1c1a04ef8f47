package io.courier.kafka;

import io.courier.Topics;
import io.courier.core.spi.TopicNaming;
import io.courier.core.spi.ValidTopicNames;

/**
 * Kafka's topic names: up to 249 characters of letters, digits, {@code .}, {@code _} and {@code -}, never {@code .} or
 * {@code ..}; one name per topic (no tenant or namespace), partitions are not topics of their own. Thread-safe.
 */
final class KafkaTopicNaming implements TopicNaming {
    static final KafkaTopicNaming INSTANCE = new KafkaTopicNaming();
    private static final int MAX_LENGTH = 249;
    private static final int MAX_REMEMBERED = 4_096;

    private final ValidTopicNames recentlyValid = new ValidTopicNames(MAX_REMEMBERED);

    private KafkaTopicNaming() {
    }

    @Override
    public String problem(String topic) {
        return recentlyValid.problem(topic, KafkaTopicNaming::check);
    }

    private static String check(String topic) {
        String general = Topics.problem(topic);
        if (general != null) {
            return general;
        }
        if (topic.equals(".") || topic.equals("..")) {
            return "topic '" + topic + "' is not a valid Kafka topic name";
        }
        if (topic.length() > MAX_LENGTH) {
            return "topic '" + topic.substring(0, 40) + "...' is " + topic.length() + " characters long; Kafka allows "
                    + MAX_LENGTH;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return "topic '" + topic + "' has '" + c + "' at " + i + "; Kafka topic names are letters, digits, "
                        + "'.', '_' and '-' only";
            }
        }
        return null;
    }

    @Override
    public String qualified(String topic) {
        return topic;
    }
}
