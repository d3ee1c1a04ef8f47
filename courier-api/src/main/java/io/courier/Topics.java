package io.courier;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topic-name rules shared by every backend. A topic is either a short name ({@code logger.report.event}), a
 * {@code tenant/namespace/name} triple, or a full Pulsar-style name
 * ({@code persistent://tenant/namespace/name}, {@code non-persistent://...}). Each part is made of letters,
 * digits and {@code - _ . = :}; a name is at most {@value #MAX_LENGTH} characters.
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

    /**
     * The full name of a valid topic, as Pulsar spells it: {@code orders} and {@code public/default/orders} are
     * {@code persistent://public/default/orders}.
     *
     * @throws InvalidTopicException when the topic is not valid
     */
    public static String qualified(String topic) {
        validate(topic);
        if (topic.contains("://")) {
            return topic;
        }
        return topic.indexOf('/') < 0 ? "persistent://public/default/" + topic : "persistent://" + topic;
    }

    /** The topic a partition belongs to: {@code orders-partition-3} is a partition of {@code orders}. */
    public static String partitionedTopicOf(String topic) {
        int i = topic.lastIndexOf("-partition-");
        if (i > 0 && i + 11 < topic.length() && topic.substring(i + 11).chars().allMatch(Character::isDigit)) {
            return topic.substring(0, i);
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
        String rest = topic;
        boolean qualified = false;
        int scheme = topic.indexOf("://");
        if (scheme >= 0) {
            String domain = topic.substring(0, scheme);
            if (!domain.equals("persistent") && !domain.equals("non-persistent")) {
                return "topic '" + topic + "' has domain '" + domain + "'; only persistent:// and non-persistent:// exist";
            }
            rest = topic.substring(scheme + 3);
            qualified = true;
        }
        String[] parts = rest.split("/", -1);
        if (qualified && parts.length != 3) {
            return "topic '" + topic + "' must have the form " + topic.substring(0, scheme + 3) + "tenant/namespace/name";
        }
        if (!qualified && parts.length != 1 && parts.length != 3) {
            return "topic '" + topic + "' must be a short name or tenant/namespace/name";
        }
        for (String part : parts) {
            if (!isValidPart(part)) {
                return "topic '" + topic + "' has an invalid part '" + part
                        + "': use letters, digits and - _ . = : only (no spaces, no empty parts)";
            }
        }
        return null;
    }

    /** Letters, digits and - _ . = : only, at least one: checked by hand since every publish validates its topic. */
    private static boolean isValidPart(String part) {
        if (part.isEmpty()) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '=' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
