package io.courier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A subscription's failure policy: which failures are tried again, how long to wait before each new attempt, and what
 * happens after the last one. The wait before attempt {@code n+1} is
 * {@code min(initialBackoff * multiplier^(n-1), maxBackoff)}, spread by &plusmn;{@code jitter}, unless a
 * {@link Backoff} of your own is given. Thread-safe (immutable).
 *
 * <p>Defaults: {@value #DEFAULT_MAX_ATTEMPTS} attempts, 200 ms initial backoff, multiplier 2.0, 10 s max backoff,
 * jitter 0.2; every exception is retried except {@link NonRetryableException}; after the last attempt the message goes
 * to the dead-letter topic ({@link AfterLastAttempt#DEAD_LETTER}).
 *
 * <p>Classification: a failure is retried when it is not a {@link NonRetryableException}, not an instance of a type
 * given to {@link Builder#doNotRetryOn}, an instance of a type given to {@link Builder#retryOn} (when any was given),
 * and accepted by the {@link Builder#retryIf} predicate (when one was given). A failure that is not retried goes
 * straight to the last-attempt action with reason {@code non-retryable}. A handler timeout is a failure like any other.
 */
public final class RetryPolicy {
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    private static final RetryPolicy DEFAULT = builder().build();
    private static final RetryPolicy NONE = builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final double multiplier;
    private final Duration maxBackoff;
    private final double jitter;
    private final Backoff backoff;
    private final List<Class<? extends Throwable>> retryOn;
    private final List<Class<? extends Throwable>> doNotRetryOn;
    private final Predicate<? super Throwable> retryIf;
    private final AfterLastAttempt afterLastAttempt;
    private final Duration retryTopicFrom;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.multiplier = b.multiplier;
        this.maxBackoff = b.maxBackoff;
        this.jitter = b.jitter;
        this.backoff = b.backoff;
        this.retryOn = List.copyOf(b.retryOn);
        this.doNotRetryOn = List.copyOf(b.doNotRetryOn);
        this.retryIf = b.retryIf;
        this.afterLastAttempt = b.afterLastAttempt;
        this.retryTopicFrom = b.retryTopicFrom;
    }

    /** The default policy (see the class comment). */
    public static RetryPolicy defaults() {
        return DEFAULT;
    }

    /** One attempt, no retry: a failure goes to the dead-letter topic at once. */
    public static RetryPolicy none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).multiplier(multiplier)
                .maxBackoff(maxBackoff).jitter(jitter).afterLastAttempt(afterLastAttempt)
                .retryTopicFrom(retryTopicFrom);
        b.backoff = backoff;
        b.retryOn.addAll(retryOn);
        b.doNotRetryOn.addAll(doNotRetryOn);
        b.retryIf = retryIf;
        return b;
    }

    /** Total attempts including the first; at least 1. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public double multiplier() {
        return multiplier;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public double jitter() {
        return jitter;
    }

    /**
     * The shortest wait that goes through the broker's retry topic instead of an in-process timer, or empty (the
     * default: every wait is in process). See {@link Builder#retryTopicFrom(Duration)}.
     */
    public java.util.Optional<Duration> retryTopicFrom() {
        return java.util.Optional.ofNullable(retryTopicFrom);
    }

    /** What happens after the last attempt (default {@link AfterLastAttempt#DEAD_LETTER}). */
    public AfterLastAttempt afterLastAttempt() {
        return afterLastAttempt;
    }

    /**
     * The exponential wait before the attempt after {@code failedAttempt} (1-based), ignoring a custom
     * {@link Backoff}.
     *
     * @param random a value in [0, 1) that places the jitter
     */
    public Duration backoffAfter(int failedAttempt, double random) {
        return Backoff.exponentialDelay(initialBackoff, multiplier, maxBackoff, jitter, failedAttempt, random);
    }

    /**
     * The wait before the attempt after {@code failedAttempt}: the custom {@link Backoff} when one was given, else the
     * exponential one with random jitter. A custom backoff that returns null or a negative wait counts as zero.
     */
    public Duration delayAfter(int failedAttempt, Throwable failure) {
        if (backoff == null) {
            return backoffAfter(failedAttempt, java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        }
        Duration d = backoff.delayAfter(failedAttempt, failure);
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /** True when {@code failure} may be tried again under this policy's classification (see the class comment). */
    public boolean retries(Throwable failure) {
        if (failure instanceof NonRetryableException) {
            return false;
        }
        for (Class<? extends Throwable> type : doNotRetryOn) {
            if (type.isInstance(failure)) {
                return false;
            }
        }
        if (!retryOn.isEmpty() && retryOn.stream().noneMatch(type -> type.isInstance(failure))) {
            return false;
        }
        return retryIf == null || retryIf.test(failure);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts
                + (backoff != null ? ", backoff=" + backoff : ", initialBackoff=" + initialBackoff + ", multiplier="
                + multiplier + ", maxBackoff=" + maxBackoff + ", jitter=" + jitter)
                + (retryOn.isEmpty() ? "" : ", retryOn=" + names(retryOn))
                + (doNotRetryOn.isEmpty() ? "" : ", doNotRetryOn=" + names(doNotRetryOn))
                + (retryIf != null ? ", retryIf=<predicate>" : "")
                + ", afterLastAttempt=" + afterLastAttempt
                + (retryTopicFrom != null ? ", retryTopicFrom=" + retryTopicFrom : "") + "}";
    }

    private static List<String> names(List<Class<? extends Throwable>> types) {
        return types.stream().map(Class::getSimpleName).toList();
    }

    /** Builds a {@link RetryPolicy}; {@link #build()} lists every problem. Not thread-safe. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = Duration.ofMillis(200);
        private double multiplier = 2.0;
        private Duration maxBackoff = Duration.ofSeconds(10);
        private double jitter = 0.2;
        private Backoff backoff;
        private final List<Class<? extends Throwable>> retryOn = new ArrayList<>();
        private final List<Class<? extends Throwable>> doNotRetryOn = new ArrayList<>();
        private Predicate<? super Throwable> retryIf;
        private AfterLastAttempt afterLastAttempt = AfterLastAttempt.DEAD_LETTER;
        private Duration retryTopicFrom;

        private Builder() {
        }

        /**
         * A wait function of your own instead of the exponential one (whose settings are then unused); null restores
         * the exponential one.
         */
        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        /** Retry only failures of these types (and their subtypes); by default every type is retried. Adds to the list. */
        @SafeVarargs
        public final Builder retryOn(Class<? extends Throwable>... types) {
            retryOn.addAll(List.of(types));
            return this;
        }

        /** Never retry failures of these types (and their subtypes), as {@link NonRetryableException}. Adds to the list. */
        @SafeVarargs
        public final Builder doNotRetryOn(Class<? extends Throwable>... types) {
            doNotRetryOn.addAll(List.of(types));
            return this;
        }

        /** Retry only failures this predicate accepts (besides the type lists); null removes it. Must be thread-safe. */
        public Builder retryIf(Predicate<? super Throwable> predicate) {
            this.retryIf = predicate;
            return this;
        }

        /**
         * Waits of at least {@code threshold} go through the broker instead of an in-process timer (default none):
         * the message is published to the subscription's retry topic ({@code <topic>-<subscription>-RETRY} on Pulsar)
         * to be delivered after the wait, and acknowledged. Nothing is held meanwhile (no in-flight permit, no key:
         * later messages of its key go first), and the retry survives a restart. It comes back to the same handler
         * with its original topic, message id and next attempt number. Needs a backend with delayed delivery on SHARED
         * subscriptions and a single-message or manual-acknowledgement handler on one topic; null turns it off.
         */
        public Builder retryTopicFrom(Duration threshold) {
            this.retryTopicFrom = threshold;
            return this;
        }

        /** What happens after the last attempt (default {@link AfterLastAttempt#DEAD_LETTER}). */
        public Builder afterLastAttempt(AfterLastAttempt action) {
            this.afterLastAttempt = action;
            return this;
        }

        /** Total attempts including the first (default 3); at least 1. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Wait before the second attempt (default 200 ms); zero or more. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        /** Growth of the wait per attempt (default 2.0); at least 1.0. */
        public Builder multiplier(double multiplier) {
            this.multiplier = multiplier;
            return this;
        }

        /** Ceiling of the wait (default 10 s); at least the initial backoff. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** Random spread as a fraction of the wait, in [0, 1] (default 0.2). */
        public Builder jitter(double jitter) {
            this.jitter = jitter;
            return this;
        }

        public RetryPolicy build() {
            List<String> problems = new ArrayList<>();
            if (maxAttempts < 1) {
                problems.add("maxAttempts must be at least 1, got " + maxAttempts);
            }
            if (initialBackoff == null || initialBackoff.isNegative()) {
                problems.add("initialBackoff must be zero or positive, got " + initialBackoff);
            }
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                problems.add("multiplier must be a finite number of at least 1.0, got " + multiplier);
            }
            if (maxBackoff == null || maxBackoff.isNegative()) {
                problems.add("maxBackoff must be zero or positive, got " + maxBackoff);
            } else if (initialBackoff != null && maxBackoff.compareTo(initialBackoff) < 0) {
                problems.add("maxBackoff (" + maxBackoff + ") must not be below initialBackoff (" + initialBackoff + ")");
            }
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                problems.add("jitter must be in [0, 1], got " + jitter);
            }
            if (retryTopicFrom != null && (retryTopicFrom.isNegative() || retryTopicFrom.isZero())) {
                problems.add("retryTopicFrom must be positive, got " + retryTopicFrom);
            }
            if (afterLastAttempt == null) {
                problems.add("afterLastAttempt must not be null");
            }
            for (Class<? extends Throwable> type : retryOn) {
                if (type == null) {
                    problems.add("retryOn must not contain null");
                } else if (doNotRetryOn.contains(type)) {
                    problems.add(type.getName() + " is given to both retryOn and doNotRetryOn");
                }
            }
            if (doNotRetryOn.contains(null)) {
                problems.add("doNotRetryOn must not contain null");
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid retry policy", problems);
            }
            return new RetryPolicy(this);
        }
    }
}
