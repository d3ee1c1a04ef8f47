package io.courier.core.internal;

import io.courier.Headers;
import io.courier.MessageId;
import io.courier.RetryLetter;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A subscription's consumer and the consumer of its retry topic as one: messages from the retry topic come back
 * with their original topic, message id and attempt number (from the {@link RetryLetter} headers, which are removed),
 * and are acknowledged on the retry topic. The retry topic is looked at between receives, at most every 20 ms.
 * Called like any {@link RawConsumer}: receive from one thread, settle from any.
 */
public final class RetryTopicConsumer implements RawConsumer {
    private static final long RETRY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** The handle of a message that came back from the retry topic: its own message there, and its attempt. */
    record Retried(RawMessage own, int attempt) {
    }

    private final RawConsumer main;
    private final RawConsumer retry;
    private final DispatchClock clock;
    private long nextRetryPoll;

    public RetryTopicConsumer(RawConsumer main, RawConsumer retry) {
        this(main, retry, DispatchClock.system());
    }

    RetryTopicConsumer(RawConsumer main, RawConsumer retry, DispatchClock clock) {
        this.main = main;
        this.retry = retry;
        this.clock = clock;
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        long now = clock.nanoTime();
        if (now - nextRetryPoll >= 0) {
            nextRetryPoll = now + RETRY_POLL_NANOS;
            RawMessage r = retry.receive(1, TimeUnit.MICROSECONDS);
            if (r != null) {
                return cameBack(r);
            }
        }
        return main.receive(Math.min(unit.toNanos(timeout), RETRY_POLL_NANOS), TimeUnit.NANOSECONDS);
    }

    private static RawMessage cameBack(RawMessage r) {
        Headers h = r.headers();
        String topic = h.get(RetryLetter.ORIGINAL_TOPIC);
        String id = h.get(RetryLetter.ORIGINAL_MESSAGE_ID);
        int attempt = 1;
        try {
            attempt = Math.max(1, Integer.parseInt(h.get(RetryLetter.ATTEMPT)));
        } catch (NumberFormatException e) {
            // not written by Courier: handled as a first attempt
        }
        Headers kept = h.toBuilder().remove(RetryLetter.ATTEMPT).remove(RetryLetter.ORIGINAL_TOPIC)
                .remove(RetryLetter.ORIGINAL_MESSAGE_ID).build();
        return new RawMessage(topic != null ? topic : r.topic(), id != null ? MessageId.of(id) : r.id(), r.key(), kept,
                r.payload(), r.publishTime(), r.eventTime(), r.redeliveryCount(), new Retried(r, attempt));
    }

    /** The attempt a received message is on: its retry topic's number, or 1. */
    static int attemptOf(RawMessage m) {
        return m.handle() instanceof Retried r ? r.attempt() : 1;
    }

    @Override
    public void ack(RawMessage message) {
        if (message.handle() instanceof Retried r) {
            retry.ack(r.own());
        } else {
            main.ack(message);
        }
    }

    @Override
    public void nack(RawMessage message) {
        if (message.handle() instanceof Retried r) {
            retry.nack(r.own());
        } else {
            main.nack(message);
        }
    }

    @Override
    public void close() {
        try {
            main.close();
        } finally {
            retry.close();
        }
    }

    @Override
    public void close(Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        try {
            main.close(timeout);
        } finally {
            retry.close(deadline.remaining());
        }
    }
}
