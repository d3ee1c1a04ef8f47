package io.courier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How often and how fast a failing handler is tried again in process before its message goes to the dead-letter
 * topic. The wait before attempt {@code n+1} is {@code min(initialBackoff * multiplier^(n-1), maxBackoff)}, spread by
 * &plusmn;{@code jitter}. Thread-safe (immutable).
 *
 * <p>Defaults: {@value #DEFAULT_MAX_ATTEMPTS} attempts, 200 ms initial backoff, multiplier 2.0, 10 s max backoff,
 * jitter 0.2.
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

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.multiplier = b.multiplier;
        this.maxBackoff = b.maxBackoff;
        this.jitter = b.jitter;
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
        return new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).multiplier(multiplier)
                .maxBackoff(maxBackoff).jitter(jitter);
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
     * The wait before the attempt after {@code failedAttempt} (1-based).
     *
     * @param random a value in [0, 1) that places the jitter
     */
    public Duration backoffAfter(int failedAttempt, double random) {
        double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        double capped = Math.min(base, maxBackoff.toNanos());
        double spread = capped * jitter * (2 * random - 1);
        return Duration.ofNanos((long) Math.max(0, Math.min(capped + spread, maxBackoff.toNanos())));
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", multiplier="
                + multiplier + ", maxBackoff=" + maxBackoff + ", jitter=" + jitter + "}";
    }

    /** Builds a {@link RetryPolicy}; {@link #build()} lists every problem. Not thread-safe. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = Duration.ofMillis(200);
        private double multiplier = 2.0;
        private Duration maxBackoff = Duration.ofSeconds(10);
        private double jitter = 0.2;

        private Builder() {
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
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid retry policy", problems);
            }
            return new RetryPolicy(this);
        }
    }
}
