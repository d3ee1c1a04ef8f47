package io.courier;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topic-name rules true of every broker: a name is not blank, at most {@value #MAX_LENGTH} characters, and holds
 * no whitespace or control characters. Each backend adds its own rules (Pulsar's {@code persistent://tenant/ns/name},
 * Kafka's character set) and checks them when a topic reaches it, with the same {@link InvalidTopicException}.
 */
public final class Topics {
    /** Longest accepted topic name. */
    public static final int MAX_LENGTH = 255;

    /**
     * Names found valid lately: every envelope validates its topic, and a service publishes to few topics. Bounded
     * (emptied when full), so that a caller making up topic names cannot grow it without limit.
     */
    private static final Map<String, Boolean> RECENTLY_VALID = new ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 4_096;

    private Topics() {
    }

    /** Returns {@code topic} when valid; otherwise throws {@link InvalidTopicException} saying what is wrong. */
    public static String validate(String topic) {
        String problem = problem(topic);
        if (problem != null) {
            throw new InvalidTopicException(problem);
        }
        return topic;
    }

    /** A description of what is wrong with {@code topic}, or {@code null} when it is valid. */
    public static String problem(String topic) {
        if (topic != null && RECENTLY_VALID.containsKey(topic)) {
            return null;
        }
        String problem = check(topic);
        if (problem == null) {
            if (RECENTLY_VALID.size() >= MAX_REMEMBERED) {
                RECENTLY_VALID.clear();
            }
            RECENTLY_VALID.put(topic, Boolean.TRUE);
        }
        return problem;
    }

    private static String check(String topic) {
        if (topic == null) {
            return "topic must not be null";
        }
        if (topic.isBlank()) {
            return "topic must not be blank";
        }
        if (topic.length() > MAX_LENGTH) {
            return "topic '" + topic.substring(0, 40) + "...' is " + topic.length() + " characters long; the limit is " + MAX_LENGTH;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "topic '" + topic + "' has a whitespace or control character at position " + i;
            }
        }
        return null;
    }
}
