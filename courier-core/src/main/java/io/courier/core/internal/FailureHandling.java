package io.courier.core.internal;

import io.courier.AfterLastAttempt;
import io.courier.DeadLetter;
import io.courier.FailureEvent;
import io.courier.FailureListener;
import io.courier.HandlerTimeoutException;
import io.courier.Headers;
import io.courier.RetryLetter;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawMessage;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Carries out a subscription's {@link RetryPolicy} after a failed attempt or a payload that cannot be decoded: decides
 * between another attempt and the last-attempt action, performs that action (dead-letter, drop or stop), keeps the
 * health counters and tells the {@link FailureListener}s. It never waits for a backoff itself: it returns the wait and
 * the caller schedules the next attempt. Thread-safe.
 */
final class FailureHandling {
    private static final System.Logger LOG = System.getLogger(FailureHandling.class.getName());
    private static final int MAX_REASON_LENGTH = 1024;

    /** What the dispatcher does with a message the policy has finished with; each call is ignored once abandoned. */
    interface Settle {
        void ack(RawMessage raw);

        void nack(RawMessage raw);

        /** Closes the subscription without waiting (the caller is one of its handlers). */
        void stopSubscription();
    }

    private final SubscribeOptions options;
    private final RetryPolicy policy;
    private final Dispatcher.DeadLetterSink sink;
    private final UnaryOperator<String> deadLetterTopics;
    /** Null unless the policy sends long waits through the broker's retry topic. */
    private final UnaryOperator<String> retryTopics;
    private final Duration deadLetterTimeout;
    private final SubscriptionStats stats;
    private final Settle settle;
    private final List<FailureListener> listeners;

    FailureHandling(SubscribeOptions options, Dispatcher.DeadLetterSink sink, UnaryOperator<String> deadLetterTopics,
                    UnaryOperator<String> retryTopics, Duration deadLetterTimeout, SubscriptionStats stats,
                    Settle settle) {
        this.deadLetterTopics = deadLetterTopics;
        this.retryTopics = retryTopics;
        this.options = options;
        this.policy = options.retry();
        this.sink = sink;
        this.deadLetterTimeout = deadLetterTimeout;
        this.stats = stats;
        this.settle = settle;
        this.listeners = options.failureListeners();
    }

    /**
     * Records a failed attempt of {@code raws} (one message, or one batch) and applies the policy.
     *
     * @return the wait before the next attempt, or null when the policy gave up and has settled every message
     */
    Duration afterFailure(List<RawMessage> raws, int attempt, Throwable failure) {
        return afterFailure(raws, attempt, failure, null);
    }

    /**
     * {@link #afterFailure(List, int, Throwable)} with the wait before the next attempt given by the caller (a
     * {@code nack(Duration)}) instead of the policy's backoff; null means the policy's.
     */
    Duration afterFailure(List<RawMessage> raws, int attempt, Throwable failure, Duration delay) {
        stats.failedAttempts.incrementAndGet();
        stats.failed(failure);
        String reason = null;
        if (!policy.retries(failure)) {
            reason = DeadLetter.REASON_NON_RETRYABLE;
        } else if (attempt >= policy.maxAttempts()) {
            reason = failure instanceof HandlerTimeoutException ? DeadLetter.REASON_TIMEOUT : DeadLetter.REASON_HANDLER;
        }
        if (reason != null) {
            for (RawMessage raw : raws) {
                giveUp(raw, reason, attempt, failure);
            }
            return null;
        }
        Duration backoff = delay != null ? delay : policy.delayAfter(attempt, failure);
        stats.retried.incrementAndGet();
        if (!listeners.isEmpty()) {
            for (RawMessage raw : raws) {
                tell(FailureListener::onRetry, event(raw, attempt, failure, backoff, null, null));
            }
        }
        return backoff;
    }

    /** True when a wait of {@code backoff} goes through the broker's retry topic rather than an in-process timer. */
    boolean viaRetryTopic(Duration backoff) {
        return retryTopics != null && backoff.compareTo(policy.retryTopicFrom().orElseThrow()) >= 0;
    }

    /**
     * Publishes {@code raw} to its retry topic, to come back for attempt {@code nextAttempt} after {@code backoff},
     * and acknowledges it. False, with nothing settled, when the publish failed: the caller then waits in process.
     */
    boolean sendToRetryTopic(RawMessage raw, int nextAttempt, Duration backoff) {
        String topic = retryTopics.apply(raw.topic());
        Headers headers = raw.headers().toBuilder()
                .put(RetryLetter.ATTEMPT, Integer.toString(nextAttempt))
                .put(RetryLetter.ORIGINAL_TOPIC, raw.topic())
                .put(RetryLetter.ORIGINAL_MESSAGE_ID, raw.id().value())
                .build();
        try {
            sink.send(new OutboundMessage(topic, raw.payload(), raw.key(), headers, stats.now().plus(backoff),
                    raw.eventTime())).get(deadLetterTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.WARNING, "cannot send message " + raw.id() + " of subscription '" + options.subscription()
                    + "' to retry topic '" + topic + "'; waiting " + backoff + " in process instead", e);
            return false;
        }
        settle.ack(raw);
        return true;
    }

    /** The payload of {@code raw} is not the handler's type: no attempt is made, the last-attempt action follows. */
    void decodeFailed(RawMessage raw, RuntimeException failure) {
        stats.failedAttempts.incrementAndGet();
        stats.failed(failure);
        tell(FailureListener::onDecodeFailed, event(raw, 0, failure, Duration.ZERO, DeadLetter.REASON_DECODE, null));
        giveUp(raw, DeadLetter.REASON_DECODE, 0, failure);
    }

    private void giveUp(RawMessage raw, String reason, int attempts, Throwable cause) {
        AfterLastAttempt action = policy.afterLastAttempt();
        switch (action) {
            case DEAD_LETTER -> deadLetter(raw, reason, attempts, cause);
            case LOG_AND_DROP -> {
                LOG.log(Level.WARNING, "message {0} of subscription ''{1}'' on ''{2}'' dropped after {3} attempt(s) "
                        + "(afterLastAttempt LOG_AND_DROP): {4}: {5}", raw.id(), options.subscription(), raw.topic(),
                        attempts, reason, SubscriptionStats.describe(cause));
                settle.ack(raw);
                tell(FailureListener::onDropped, event(raw, attempts, cause, Duration.ZERO, reason, null));
            }
            case STOP_SUBSCRIPTION -> {
                LOG.log(Level.ERROR, "subscription ''{0}'' on ''{1}'' stops (afterLastAttempt STOP_SUBSCRIPTION): "
                        + "message {2} failed after {3} attempt(s) and is left unacknowledged: {4}: {5}",
                        options.subscription(), options.topicDescription(), raw.id(), attempts, reason,
                        SubscriptionStats.describe(cause));
                tell(FailureListener::onSubscriptionStopped, event(raw, attempts, cause, Duration.ZERO, reason, null));
                settle.stopSubscription();
            }
            default -> throw new IllegalStateException("unknown action " + action);
        }
    }

    private void deadLetter(RawMessage raw, String reason, int attempts, Throwable cause) {
        String text = String.valueOf(cause.getMessage());
        if (text.length() > MAX_REASON_LENGTH) {
            text = text.substring(0, MAX_REASON_LENGTH);
        }
        Headers headers = raw.headers().toBuilder()
                .put(DeadLetter.REASON, reason)
                .put(DeadLetter.ORIGINAL_TOPIC, raw.topic())
                .put(DeadLetter.SUBSCRIPTION, options.subscription())
                .put(DeadLetter.MESSAGE_ID, raw.id().value())
                .put(DeadLetter.ATTEMPTS, Integer.toString(attempts))
                .put(DeadLetter.EXCEPTION_CLASS, cause.getClass().getName())
                .put(DeadLetter.EXCEPTION_MESSAGE, text)
                .put(DeadLetter.TIME, stats.now().toString())
                .build();
        String topic = deadLetterTopics.apply(raw.topic());
        try {
            sink.send(new OutboundMessage(topic, raw.payload(), raw.key(), headers, null, raw.eventTime()))
                    .get(deadLetterTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            stats.failed("dead-letter publish to '" + topic + "' failed: " + SubscriptionStats.describe(e));
            LOG.log(Level.ERROR, "cannot dead-letter message " + raw.id() + " of subscription '" + options.subscription()
                    + "' to '" + topic + "'; handing it back to the broker for redelivery", e);
            settle.nack(raw);
            tell(FailureListener::onDeadLetterPublishFailed, event(raw, attempts, e, Duration.ZERO, reason, topic));
            return;
        }
        settle.ack(raw);
        stats.deadLettered.incrementAndGet();
        LOG.log(Level.WARNING, "message {0} of subscription ''{1}'' on ''{2}'' sent to dead-letter topic ''{3}'' "
                + "after {4} attempt(s): {5}: {6}", raw.id(), options.subscription(), raw.topic(), topic, attempts,
                reason, SubscriptionStats.describe(cause));
        tell(FailureListener::onDeadLettered, event(raw, attempts, cause, Duration.ZERO, reason, topic));
    }

    private FailureEvent event(RawMessage raw, int attempt, Throwable failure, Duration backoff, String reason,
                               String deadLetterTopic) {
        return new FailureEvent(raw.topic(), options.subscription(), raw.id(), raw.key(), attempt, failure, backoff,
                reason, deadLetterTopic);
    }

    private interface Notice {
        void tell(FailureListener listener, FailureEvent event);
    }

    private void tell(Notice notice, FailureEvent event) {
        for (FailureListener listener : listeners) {
            try {
                notice.tell(listener, event);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "failure listener " + listener + " of subscription '" + options.subscription()
                        + "' threw; ignored", e);
            }
        }
    }
}
