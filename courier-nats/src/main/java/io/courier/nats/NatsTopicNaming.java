package io.courier.nats;

import io.courier.Topics;
import io.courier.core.spi.TopicNaming;
import io.courier.core.spi.ValidTopicNames;

/**
 * NATS topic names. A topic is a subject, held by a stream of its own named after it with each {@code .} written as
 * {@code _} (stream names have no dots). So that both are valid, a topic is made of letters, digits, {@code -} and
 * {@code _}, in tokens separated by single dots; at most 200 characters. Two topics whose names differ only by a dot
 * and an underscore would share a stream name: the second is refused when its stream is made. Names starting with
 * {@code _courier.} are Courier's own. Thread-safe.
 */
final class NatsTopicNaming implements TopicNaming {
    static final NatsTopicNaming INSTANCE = new NatsTopicNaming();
    private static final int MAX_LENGTH = 200;
    /** Subjects Courier uses beside the topics' own (requests: {@link NatsRequests#PREFIX}). */
    private static final String RESERVED = "_courier.";

    private final ValidTopicNames recentlyValid = new ValidTopicNames(4_096);

    private NatsTopicNaming() {
    }

    @Override
    public String problem(String topic) {
        return recentlyValid.problem(topic, NatsTopicNaming::check);
    }

    private static String check(String topic) {
        String general = Topics.problem(topic);
        if (general != null) {
            return general;
        }
        if (topic.length() > MAX_LENGTH) {
            return "topic '" + topic.substring(0, 40) + "...' is " + topic.length() + " characters long; on NATS the "
                    + "limit is " + MAX_LENGTH;
        }
        if (topic.startsWith(RESERVED)) {
            return "topic '" + topic + "' starts with '" + RESERVED + "', which Courier keeps for its own subjects on NATS";
        }
        if (topic.startsWith(".") || topic.endsWith(".") || topic.contains("..")) {
            return "topic '" + topic + "' has an empty token: on NATS a dot separates tokens of a subject";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!(c == '.' || c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9'))) {
                return "topic '" + topic + "' has '" + c + "' at position " + i + "; on NATS a topic is made of letters, "
                        + "digits, '-' and '_', in tokens separated by '.'";
            }
        }
        return null;
    }

    /** A subscription's name is a durable consumer's: letters, digits, '-' and '_'; or null when it is valid. */
    static String subscriptionProblem(String subscription) {
        for (int i = 0; i < subscription.length(); i++) {
            char c = subscription.charAt(i);
            if (!(c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return "subscription '" + subscription + "' has '" + c + "' at position " + i + "; on NATS a "
                        + "subscription is a durable consumer, named with letters, digits, '-' and '_'";
            }
        }
        return subscription.length() > MAX_LENGTH ? "subscription '" + subscription.substring(0, 40) + "...' is longer "
                + "than " + MAX_LENGTH + " characters" : null;
    }

    /** The stream that holds {@code topic}. */
    static String stream(String topic) {
        return topic.replace('.', '_');
    }

    @Override
    public String qualified(String topic) {
        return topic;
    }
}
