package io.courier.core.spi;

import io.courier.SubscribeOptions;
import java.util.regex.Pattern;

/**
 * The dead-letter rule of pattern subscriptions, for backends: a pattern subscription never matches its own
 * dead-letter topics, and matches other dead-letter topics (names ending in the backend's dead-letter suffix,
 * {@code -DLQ} by default) only when
 * {@link SubscribeOptions#includeDeadLetterTopics()} says so. Without it a poison message on a matched topic is
 * dead-lettered onto a topic the same pattern matches, consumed again, dead-lettered again, one level deeper each time.
 */
public final class TopicPatterns {
    private TopicPatterns() {
    }

    /**
     * A regular-expression lookahead that refuses the dead-letter topics the subscription must not match; it holds
     * for a topic's local name and for its full name, and goes in front of the part of a pattern that matches the
     * local name.
     */
    public static String deadLetterExclusion(SubscribeOptions options, TopicNaming naming) {
        String suffix = Pattern.quote(naming.deadLetterSuffix());
        // retry topics carry messages on their way back to one subscription: no pattern subscription takes them
        StringBuilder b = new StringBuilder("(?!.*" + Pattern.quote(naming.retrySuffix()) + "$)");
        b.append(options.includeDeadLetterTopics()
                ? "(?!.*-" + Pattern.quote(options.subscription()) + suffix + "$)"
                : "(?!.*" + suffix + "$)");
        options.deadLetterTopic().ifPresent(t ->
                b.append("(?!(?:.*/)?").append(Pattern.quote(t.substring(t.lastIndexOf('/') + 1))).append("$)"));
        return b.toString();
    }

    /** The subscription's pattern less the dead-letter topics it must not match (for local or full names). */
    public static Pattern excludingDeadLetters(SubscribeOptions options, TopicNaming naming) {
        Pattern p = options.topicPattern().orElseThrow(() -> new IllegalArgumentException("not a pattern subscription"));
        return Pattern.compile(deadLetterExclusion(options, naming) + "(?:" + p.pattern() + ")", p.flags());
    }
}
