package io.courier.core.spi;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Topic names a {@link TopicNaming} found valid lately, so that the check every publish makes is one lookup. Bounded:
 * a service uses few topics, and the set starts afresh when it is full. Thread-safe.
 */
public final class ValidTopicNames {
    private final int max;
    private final Map<String, Boolean> valid = new ConcurrentHashMap<>();

    /** Remembers up to {@code max} names. */
    public ValidTopicNames(int max) {
        this.max = max;
    }

    /** What {@code check} says is wrong with {@code topic} (null when valid), asking it only for names not known valid. */
    public String problem(String topic, Function<String, String> check) {
        if (topic != null && valid.containsKey(topic)) {
            return null;
        }
        String problem = check.apply(topic);
        if (problem == null) {
            if (valid.size() >= max) {
                valid.clear();
            }
            valid.put(topic, Boolean.TRUE);
        }
        return problem;
    }
}
