package io.courier.core.spi;

/**
 * A backend's topic names: which are valid, what a name means in full, and what the default dead-letter topic of a
 * subscription is called. {@code courier-api} checks only what is true of every broker
 * ({@link io.courier.Topics}); the rest is the backend's. Implementations must be thread-safe; they are asked on
 * every publish, so keep {@link #problem} cheap (remember names found valid).
 */
public interface TopicNaming {

    /** What is wrong with {@code topic} on this backend, or {@code null} when it is valid. */
    String problem(String topic);

    /** The name the broker knows {@code topic} by, so that two spellings of one topic compare equal. */
    String qualified(String topic);

    /** The topic a message's topic belongs to: a partition's partitioned topic, else the topic itself. */
    default String baseTopic(String messageTopic) {
        return messageTopic;
    }

    /** What ends every default dead-letter topic's name; pattern subscriptions stay off such topics by it. */
    default String deadLetterSuffix() {
        return "-DLQ";
    }

    /**
     * The dead-letter topic of {@code subscription} for a message of {@code messageTopic} when the options name
     * none: {@code <base topic>-<subscription><suffix>}.
     */
    default String deadLetterTopic(String messageTopic, String subscription) {
        return baseTopic(messageTopic) + "-" + subscription + deadLetterSuffix();
    }

    /** What ends every retry topic's name; pattern subscriptions never match such topics. */
    default String retrySuffix() {
        return "-RETRY";
    }

    /** The retry topic of {@code subscription} for messages of {@code messageTopic}: {@code <base topic>-<subscription>-RETRY}. */
    default String retryTopic(String messageTopic, String subscription) {
        return baseTopic(messageTopic) + "-" + subscription + retrySuffix();
    }
}
