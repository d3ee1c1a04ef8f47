package io.courier.core.internal;

import io.courier.SubscribeOptions;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the parts of one subscription share, and all they see of it: its options, clock and counters, the in-flight
 * bound (permits taken on receipt, given back when a message is settled), the lifecycle as read-only questions, and
 * settlement through the consumer, which does nothing once the subscription has stopped. No part reaches another's
 * fields. Thread-safe.
 */
final class SubscriptionRuntime implements FailureHandling.Settle {
    final SubscribeOptions options;
    final DispatchClock clock;
    final SubscriptionStats stats;
    private final RawConsumer consumer;
    private final SubscriptionLifecycle lifecycle;
    private final Semaphore permits;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Messages waiting for a retry in process (on the inline queue or the timer); in flight too. */
    private final AtomicInteger waitingRetries = new AtomicInteger();
    /** Closes the subscription without waiting, when the failure policy stops it. */
    private final Runnable closeInBackground;

    SubscriptionRuntime(SubscribeOptions options, DispatchClock clock, SubscriptionStats stats, RawConsumer consumer,
                        SubscriptionLifecycle lifecycle, Runnable closeInBackground) {
        this.options = options;
        this.clock = clock;
        this.stats = stats;
        this.consumer = consumer;
        this.lifecycle = lifecycle;
        this.permits = new Semaphore(options.maxInFlight());
        this.closeInBackground = closeInBackground;
    }

    boolean receiving() {
        return lifecycle.receiving();
    }

    boolean paused() {
        return lifecycle.paused();
    }

    /** Nothing more is handled or settled (halted, abandoned, closed). */
    boolean stopped() {
        return lifecycle.stopped();
    }

    /** An in-flight permit, waiting at most {@code nanos}; false when none came. */
    boolean acquire(long nanos) throws InterruptedException {
        return permits.tryAcquire(nanos, TimeUnit.NANOSECONDS);
    }

    boolean tryAcquire() {
        return permits.tryAcquire();
    }

    /** Gives back a permit taken for a receive that brought nothing. */
    void release() {
        permits.release();
    }

    /** A message was received under a permit: it is in flight until {@link #finish}. */
    void received() {
        inFlight.incrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** {@code count} messages are settled (or left to redelivery): their permits are free again. */
    void finish(int count) {
        int left = inFlight.addAndGet(-count);
        permits.release(count);
        stats.touched();
        if (left == 0 && lifecycle.closing()) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    void retryWaiting() {
        waitingRetries.incrementAndGet();
    }

    void retryDue() {
        waitingRetries.decrementAndGet();
    }

    int waitingRetries() {
        return waitingRetries.get();
    }

    /** Waits until nothing is in flight (or the subscription was halted); false at the deadline. */
    boolean awaitIdle(Deadline deadline) throws InterruptedException {
        synchronized (this) {
            while (inFlight.get() > 0 && !lifecycle.stopped()) {
                long left = deadline.remainingNanos();
                if (left == 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    @Override
    public void ack(RawMessage raw) {
        if (!lifecycle.stopped()) {
            consumer.ack(raw);
        }
    }

    @Override
    public void nack(RawMessage raw) {
        if (!lifecycle.stopped()) {
            consumer.nack(raw);
        }
    }

    @Override
    public void stopSubscription() {
        if (lifecycle.halt()) {
            synchronized (this) {
                notifyAll();   // a close waiting for in-flight messages waits no more
            }
            closeInBackground.run();
        }
    }
}
