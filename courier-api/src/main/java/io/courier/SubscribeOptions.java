package io.courier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to subscribe to and how to handle it. Built with {@link #builder(String, String)} (or
 * {@link #builderForPattern(String, String)}); {@link Builder#build()} validates everything at once and lists every
 * problem. Thread-safe (immutable).
 *
 * <p>Defaults:
 * <ul>
 *   <li>type {@link SubscriptionType#EXCLUSIVE} (Pulsar's default; choose SHARED or KEY_SHARED to scale out)</li>
 *   <li>initial position {@link InitialPosition#LATEST} (Pulsar's default)</li>
 *   <li>concurrency 1 and ordering {@link Ordering#PER_KEY} (so with concurrency 1 every message is handled in
 *       order; raise concurrency to handle keys in parallel)</li>
 *   <li>max in flight 1000</li>
 *   <li>retry {@link RetryPolicy#defaults()} (3 attempts, exponential backoff from 200 ms)</li>
 *   <li>dead-letter topic: the backend's naming, {@code <topic>-<subscription>-DLQ} on Pulsar and
 *       {@code memory://} (Pulsar's convention; for a pattern subscription the topic is the message's own, for a
 *       partition the partitioned topic's)</li>
 *   <li>no handler timeout; stall threshold 60 s</li>
 *   <li>batch size 100 (or maxInFlight when smaller), batch wait 200 ms (batch handlers only)</li>
 *   <li>codec: the message's {@code content-type} header, else the broker's default codec; a {@code byte[]}
 *       handler gets the payload exactly as sent, whatever its content type (a dead-letter reader, a relay)</li>
 * </ul>
 */
public final class SubscribeOptions {
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    private final String topic;
    private final Pattern topicPattern;
    private final String subscription;
    private final SubscriptionType type;
    private final InitialPosition initialPosition;
    private final int concurrency;
    private final Ordering ordering;
    private final int maxInFlight;
    private final RetryPolicy retry;
    private final String deadLetterTopic;
    private final boolean includeDeadLetterTopics;
    private final Duration handlerTimeout;
    private final Duration stallThreshold;
    private final int batchSize;
    private final Duration batchWait;
    private final String codec;
    private final List<FailureListener> failureListeners;

    private SubscribeOptions(Builder b) {
        this.topic = b.topic;
        this.topicPattern = b.topicPattern;
        this.subscription = b.subscription;
        this.type = b.type;
        this.initialPosition = b.initialPosition;
        this.concurrency = b.concurrency;
        this.ordering = b.ordering;
        this.maxInFlight = b.maxInFlight;
        this.retry = b.retry;
        this.deadLetterTopic = b.deadLetterTopic;
        this.includeDeadLetterTopics = b.includeDeadLetterTopics;
        this.handlerTimeout = b.handlerTimeout;
        this.stallThreshold = b.stallThreshold;
        this.batchSize = b.batchSize;
        this.batchWait = b.batchWait;
        this.codec = b.codec;
        this.failureListeners = List.copyOf(b.failureListeners);
    }

    /** Options for {@code topic} on the durable subscription {@code subscription}; both required. */
    public static Builder builder(String topic, String subscription) {
        Builder b = new Builder();
        b.topic = topic;
        b.subscription = subscription;
        return b;
    }

    /**
     * Options for every topic whose full name matches the regular expression {@code topicRegex}, including topics
     * created later.
     */
    public static Builder builderForPattern(String topicRegex, String subscription) {
        Builder b = new Builder();
        b.patternSource = topicRegex;
        b.patternGiven = true;
        b.subscription = subscription;
        return b;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.topic = topic;
        b.topicPattern = topicPattern;
        b.patternSource = topicPattern == null ? null : topicPattern.pattern();
        b.patternGiven = topicPattern != null;
        b.subscription = subscription;
        b.type = type;
        b.initialPosition = initialPosition;
        b.concurrency = concurrency;
        b.ordering = ordering;
        b.maxInFlight = maxInFlight;
        b.retry = retry;
        b.deadLetterTopic = deadLetterTopic;
        b.includeDeadLetterTopics = includeDeadLetterTopics;
        b.handlerTimeout = handlerTimeout;
        b.stallThreshold = stallThreshold;
        b.batchSize = batchSize;
        b.batchSizeSet = true;
        b.batchWait = batchWait;
        b.codec = codec;
        b.failureListeners.addAll(failureListeners);
        return b;
    }

    /** The listeners told of every retry, dead letter, drop and stop, in the order added (default none). */
    public List<FailureListener> failureListeners() {
        return failureListeners;
    }

    /** The topic, or empty for a pattern subscription. */
    public Optional<String> topic() {
        return Optional.ofNullable(topic);
    }

    /** The topic pattern, or empty for a single-topic subscription. */
    public Optional<Pattern> topicPattern() {
        return Optional.ofNullable(topicPattern);
    }

    /** The topic, or the pattern's source, for messages and logs. */
    public String topicDescription() {
        return topic != null ? topic : "pattern:" + topicPattern.pattern();
    }

    public String subscription() {
        return subscription;
    }

    public SubscriptionType type() {
        return type;
    }

    public InitialPosition initialPosition() {
        return initialPosition;
    }

    /** Handlers running at once for this subscriber. */
    public int concurrency() {
        return concurrency;
    }

    public Ordering ordering() {
        return ordering;
    }

    /** Most messages held by this subscriber at once (received, not yet acknowledged). */
    public int maxInFlight() {
        return maxInFlight;
    }

    public RetryPolicy retry() {
        return retry;
    }

    /** The configured dead-letter topic; empty means the default for each message's topic. */
    public Optional<String> deadLetterTopic() {
        return Optional.ofNullable(deadLetterTopic);
    }

    /**
     * For a pattern subscription: whether it matches dead-letter topics (names ending in {@code -DLQ}) of other
     * subscriptions. Default false. A subscription never matches its own dead-letter topics, whatever this says: it
     * would consume its own dead letters and dead-letter them again, one level deeper each time.
     */
    public boolean includeDeadLetterTopics() {
        return includeDeadLetterTopics;
    }

    /** Longest a handler attempt may run; {@link Duration#ZERO} means no limit. */
    public Duration handlerTimeout() {
        return handlerTimeout;
    }

    /** Time without any completion, while messages are in flight, after which the subscription reports STALLED. */
    public Duration stallThreshold() {
        return stallThreshold;
    }

    public int batchSize() {
        return batchSize;
    }

    public Duration batchWait() {
        return batchWait;
    }

    /** Codec that overrides the {@code content-type} header and the broker default, if set. */
    public Optional<String> codec() {
        return Optional.ofNullable(codec);
    }

    @Override
    public String toString() {
        return "SubscribeOptions{topic=" + topicDescription() + ", subscription=" + subscription + ", type=" + type
                + ", initialPosition=" + initialPosition + ", concurrency=" + concurrency + ", ordering=" + ordering
                + ", maxInFlight=" + maxInFlight + ", retry=" + retry + ", deadLetterTopic="
                + (deadLetterTopic != null ? deadLetterTopic : "<backend default>")
                + (topicPattern != null ? ", includeDeadLetterTopics=" + includeDeadLetterTopics : "")
                + ", handlerTimeout=" + handlerTimeout + ", batchSize=" + batchSize + ", batchWait=" + batchWait
                + (codec != null ? ", codec=" + codec : "") + "}";
    }

    /** Builds {@link SubscribeOptions}; not thread-safe. */
    public static final class Builder {
        private String topic;
        private Pattern topicPattern;
        private String patternSource;
        private boolean patternGiven;
        private String subscription;
        private SubscriptionType type = SubscriptionType.EXCLUSIVE;
        private InitialPosition initialPosition = InitialPosition.LATEST;
        private int concurrency = 1;
        private Ordering ordering = Ordering.PER_KEY;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private RetryPolicy retry = RetryPolicy.defaults();
        private String deadLetterTopic;
        private boolean includeDeadLetterTopics;
        private Duration handlerTimeout = Duration.ZERO;
        private Duration stallThreshold = Duration.ofSeconds(60);
        private int batchSize = 100;
        private boolean batchSizeSet;
        private Duration batchWait = Duration.ofMillis(200);
        private String codec;
        private final List<FailureListener> failureListeners = new ArrayList<>();

        private Builder() {
        }

        /** Adds a listener of the failure policy's decisions (see {@link FailureListener}). */
        public Builder failureListener(FailureListener listener) {
            failureListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Builder type(SubscriptionType type) {
            this.type = type;
            return this;
        }

        public Builder initialPosition(InitialPosition position) {
            this.initialPosition = position;
            return this;
        }

        /** Handlers running at once (default 1); at least 1 and at most maxInFlight. */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** Default PER_KEY; STRICT requires concurrency 1. */
        public Builder ordering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        /** Default 1000; at least 1, at least the concurrency and the batch size. */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** Dead-letter topic; null restores the backend's default (see the class comment). */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /**
         * Longest an attempt may run before it counts as failed (default none: {@link Duration#ZERO}). At the timeout
         * the handler's thread is interrupted and its late result ignored; the retry starts once the handler has
         * returned (never two attempts of one message at once), so a handler that ignores interrupts holds its lane.
         */
        public Builder handlerTimeout(Duration timeout) {
            this.handlerTimeout = timeout;
            return this;
        }

        /** Default 60 s; must be positive. */
        public Builder stallThreshold(Duration threshold) {
            this.stallThreshold = threshold;
            return this;
        }

        /** Most messages per batch for batch handlers (default 100, or maxInFlight when that is smaller). */
        public Builder batchSize(int size) {
            this.batchSize = size;
            this.batchSizeSet = true;
            return this;
        }

        /** Longest a batch waits to fill up (default 200 ms); positive. */
        public Builder batchWait(Duration wait) {
            this.batchWait = wait;
            return this;
        }

        /**
         * For a pattern subscription: also match other subscriptions' dead-letter topics (default false); its own
         * are never matched. See {@link SubscribeOptions#includeDeadLetterTopics()}.
         */
        public Builder includeDeadLetterTopics(boolean include) {
            this.includeDeadLetterTopics = include;
            return this;
        }

        /** Decode with this codec whatever the message's content-type says. */
        public Builder codec(String codecName) {
            this.codec = codecName;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws ConfigurationException listing every problem found
         */
        public SubscribeOptions build() {
            List<String> problems = new ArrayList<>();
            if (patternGiven) {
                if (patternSource == null || patternSource.isBlank()) {
                    problems.add("topic pattern must not be blank");
                } else {
                    try {
                        topicPattern = Pattern.compile(patternSource);
                    } catch (PatternSyntaxException e) {
                        problems.add("topic pattern '" + patternSource + "' is not a valid regular expression: "
                                + e.getDescription());
                    }
                }
            } else {
                String p = Topics.problem(topic);
                if (p != null) {
                    problems.add(p);
                }
            }
            if (subscription == null || subscription.isBlank()) {
                problems.add("subscription name is required (there is no default: it names durable state on the broker)");
            } else if (!subscription.matches("[A-Za-z0-9_.=:\\-]+")) {
                problems.add("subscription name '" + subscription + "' may use letters, digits and - _ . = : only");
            }
            if (type == null) {
                problems.add("type must not be null");
            }
            if (initialPosition == null) {
                problems.add("initialPosition must not be null");
            }
            if (ordering == null) {
                problems.add("ordering must not be null");
            }
            if (concurrency < 1) {
                problems.add("concurrency must be at least 1, got " + concurrency);
            }
            if (ordering == Ordering.STRICT && concurrency > 1) {
                problems.add("STRICT ordering handles one message at a time; concurrency must be 1, got " + concurrency
                        + " (use PER_KEY to run keys in parallel)");
            }
            if (maxInFlight < 1) {
                problems.add("maxInFlight must be at least 1, got " + maxInFlight);
            } else if (concurrency > maxInFlight) {
                problems.add("maxInFlight (" + maxInFlight + ") must be at least the concurrency (" + concurrency + ")");
            }
            if (retry == null) {
                problems.add("retry must not be null (use RetryPolicy.none() for no retry)");
            }
            if (deadLetterTopic != null) {
                String p = Topics.problem(deadLetterTopic);
                if (p != null) {
                    problems.add("dead-letter " + p);
                } else if (deadLetterTopic.equals(topic)) {
                    problems.add("dead-letter topic must differ from the subscribed topic '" + topic + "'");
                }
            }
            if (handlerTimeout == null || handlerTimeout.isNegative()) {
                problems.add("handlerTimeout must be zero (no limit) or positive, got " + handlerTimeout);
            }
            if (stallThreshold == null || stallThreshold.isNegative() || stallThreshold.isZero()) {
                problems.add("stallThreshold must be positive, got " + stallThreshold);
            }
            if (!batchSizeSet && maxInFlight >= 1) {
                batchSize = Math.min(100, maxInFlight);
            }
            if (batchSize < 1) {
                problems.add("batchSize must be at least 1, got " + batchSize);
            } else if (batchSize > maxInFlight && maxInFlight >= 1) {
                problems.add("batchSize (" + batchSize + ") must not exceed maxInFlight (" + maxInFlight + ")");
            }
            if (batchWait == null || batchWait.isNegative() || batchWait.isZero()) {
                problems.add("batchWait must be positive, got " + batchWait);
            }
            if (codec != null && codec.isBlank()) {
                problems.add("codec name must not be blank");
            }
            if (!problems.isEmpty()) {
                String what = "invalid subscribe options for topic '"
                        + (patternGiven ? "pattern:" + patternSource : topic) + "', subscription '" + subscription + "'";
                throw new ConfigurationException(what, problems);
            }
            return new SubscribeOptions(this);
        }
    }
}
