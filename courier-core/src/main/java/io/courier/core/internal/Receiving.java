package io.courier.core.internal;

import io.courier.Ordering;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Receiving one message the way every receive loop does: under an in-flight permit, holding a message that arrived
 * while the subscription was being paused until it is resumed, and turning a failing receive into the FAILING state
 * (retried every 200 ms, logged once) until it works again. Used by the subscription's receiving thread alone, but
 * {@link #stopWaiting} may come from the closing thread.
 */
final class Receiving {
    private static final System.Logger LOG = System.getLogger(Receiving.class.getName());
    /** How long the loops wait per receive or pause check before looking at the lifecycle again. */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long FAILED_RECEIVE_PAUSE_MILLIS = 200;

    private final SubscriptionRuntime runtime;
    private final SubscriptionLifecycle lifecycle;
    private final RawConsumer consumer;
    /** Guards {@link #waiting}: a close interrupts the receiver's wait for a message, never its handler. */
    private final Object waitLock = new Object();
    private boolean waiting;

    Receiving(SubscriptionRuntime runtime, SubscriptionLifecycle lifecycle, RawConsumer consumer) {
        this.runtime = runtime;
        this.lifecycle = lifecycle;
        this.consumer = consumer;
    }

    /**
     * The next message under a permit, waiting at most {@code waitNanos} for each; null when none came (or the
     * subscription is paused or stops receiving).
     */
    RawMessage next(long waitNanos) throws InterruptedException {
        if (lifecycle.paused()) {
            LockSupport.parkNanos(this, waitNanos);
            return null;
        }
        if (!runtime.acquire(waitNanos)) {
            return null;
        }
        RawMessage m = receive(waitNanos);
        if (m == null) {
            runtime.release();
            return null;
        }
        runtime.received();
        holdWhilePaused();
        return m;
    }

    /**
     * One turn of a receiver that is also the handler's thread: unless {@code finished} says the loop is over (checked
     * under the lock a close looks at), waits at most {@code waitNanos} for a message and hands it to {@code handle}.
     * The wait may be interrupted by a close, which the caller then sees in the lifecycle; the handler never is.
     *
     * @return false when the loop is over
     */
    boolean turn(long waitNanos, java.util.function.BooleanSupplier finished,
                 java.util.function.Consumer<RawMessage> handle) {
        boolean receive;
        synchronized (waitLock) {
            receive = lifecycle.receiving();
            if (!receive && !lifecycle.paused() && finished.getAsBoolean()) {
                return false;
            }
            waiting = true;
        }
        RawMessage m = null;
        try {
            if (receive && runtime.tryAcquire()) {
                m = receive(waitNanos);
                if (m == null) {
                    runtime.release();
                }
            } else {
                LockSupport.parkNanos(this, waitNanos);
            }
        } catch (InterruptedException e) {
            // close() woke the wait; the next turn sees the new state
        }
        synchronized (waitLock) {
            waiting = false;
            Thread.interrupted();   // an interrupt meant for the wait must not reach the handler
        }
        if (m != null) {
            runtime.received();
            holdWhilePaused();
            handle.accept(m);
        }
        return true;
    }

    /** Wakes a receiver waiting in {@link #turn}, and gives it until the deadline to end. */
    boolean stopWaiting(Thread receiver, Deadline deadline) throws InterruptedException {
        synchronized (waitLock) {
            if (waiting) {
                receiver.interrupt();
            }
        }
        receiver.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos())));
        return !receiver.isAlive();
    }

    /** A message that arrived while pause() was being called waits here, held in flight, until resume or close. */
    private void holdWhilePaused() {
        while (lifecycle.paused()) {
            LockSupport.parkNanos(this, POLL_NANOS);
        }
    }

    private RawMessage receive(long waitNanos) throws InterruptedException {
        try {
            RawMessage m = consumer.receive(waitNanos, TimeUnit.NANOSECONDS);
            if (lifecycle.receiveWorked()) {
                LOG.log(Level.INFO, "subscription ''{0}'' on ''{1}'' receives again", runtime.options.subscription(),
                        runtime.options.topicDescription());
            }
            return m;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!lifecycle.receiving()) {
                return null;
            }
            if (lifecycle.receiveFailed()) {
                LOG.log(Level.WARNING, "subscription '" + runtime.options.subscription() + "' on '"
                        + runtime.options.topicDescription() + "' cannot receive; retrying", e);
            }
            runtime.stats.failed(e);
            Thread.sleep(FAILED_RECEIVE_PAUSE_MILLIS);
            return null;
        }
    }

    /** The ordering key of a message: {@code ""} for all with STRICT, its key with PER_KEY, null when unordered. */
    static String keyOf(Ordering ordering, RawMessage m) {
        return switch (ordering) {
            case STRICT -> "";
            case PER_KEY -> m.key() == null ? "" : m.key();
            default -> null;
        };
    }
}
