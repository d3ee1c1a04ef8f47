package io.courier;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The wait before a failed message is tried again. The default, built by {@link RetryPolicy.Builder}, is exponential
 * with jitter; give your own to {@link RetryPolicy.Builder#backoff(Backoff)} (Resilience4j's interval function and
 * Spring's {@code BackOff} play this role there). Implementations must be thread-safe: one backoff serves every
 * handler thread of a subscription.
 *
 * <p>A backoff never holds a thread: the message waits on a timer, its key (with {@link Ordering#PER_KEY}) or the
 * whole subscription (with {@link Ordering#STRICT}) waits behind it, and other keys go on.
 */
@FunctionalInterface
public interface Backoff {

    /**
     * The wait before the next attempt.
     *
     * @param failedAttempt the attempt that just failed, from 1
     * @param failure       what it threw
     * @return zero or a positive duration; never null
     */
    Duration delayAfter(int failedAttempt, Throwable failure);

    /** The same wait after every failure; {@code delay} zero or positive. */
    static Backoff fixed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new ConfigurationException("backoff delay must be zero or positive, got " + delay);
        }
        return (attempt, failure) -> delay;
    }

    /**
     * {@code min(initial * multiplier^(n-1), max)} after attempt {@code n}, spread at random by &plusmn;{@code jitter}
     * (a fraction in [0, 1]) and never above {@code max}.
     */
    static Backoff exponential(Duration initial, double multiplier, Duration max, double jitter) {
        return (attempt, failure) -> exponentialDelay(initial, multiplier, max, jitter, attempt,
                ThreadLocalRandom.current().nextDouble());
    }

    /** The exponential wait with the jitter placed by {@code random} in [0, 1); see {@link #exponential}. */
    static Duration exponentialDelay(Duration initial, double multiplier, Duration max, double jitter,
                                     int failedAttempt, double random) {
        double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        double capped = Math.min(base, max.toNanos());
        double spread = capped * jitter * (2 * random - 1);
        return Duration.ofNanos((long) Math.max(0, Math.min(capped + spread, max.toNanos())));
    }
}
