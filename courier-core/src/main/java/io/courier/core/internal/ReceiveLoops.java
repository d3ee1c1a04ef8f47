package io.courier.core.internal;

import io.courier.core.spi.Deadline;
import io.courier.core.spi.RawMessage;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The receiving side of a dispatcher, run on its receiver thread: takes an in-flight permit, receives, holds a message
 * that arrived during a pause, and hands it on: to a lane, to the batch being filled, or (inline dispatch) to the
 * handler on this very thread. A receive that fails marks the subscription FAILED and is retried until it works again.
 */
final class ReceiveLoops<T> {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Dispatcher<T> dispatcher;
    /** Guards {@link #waitingForMessage}, so that close interrupts an inline receiver's wait but never its handler. */
    private final Object receiveWait = new Object();
    private boolean waitingForMessage;

    ReceiveLoops(Dispatcher<T> dispatcher) {
        this.dispatcher = dispatcher;
    }

    void receiveLoop() {
        while (dispatcher.receiving()) {
            if (dispatcher.paused) {
                LockSupport.parkNanos(this, POLL_NANOS);
                continue;
            }
            try {
                if (!dispatcher.permits.tryAcquire(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                    continue;
                }
                RawMessage m = receiveOne(POLL_NANOS);
                if (m == null) {
                    dispatcher.permits.release();
                    continue;
                }
                dispatcher.inFlight.incrementAndGet();
                holdWhilePaused();
                Delivery<T> d = new Delivery<>(m, keyOf(m));
                Lanes.Lane<T> lane = dispatcher.lanes.of(d);
                Lanes.run(lane, () -> dispatcher.dispatch(d, lane));
            } catch (InterruptedException e) {
                if (!dispatcher.receiving()) {
                    return;
                }
            }
        }
    }

    /**
     * The receiving thread is the handler's thread: it runs due retries first, then receives, waiting no longer than
     * the next retry is due. While draining it only runs what is still in flight.
     */
    void receiveInlineLoop() {
        while (true) {
            dispatcher.processing.runDueRetries();
            long wait = dispatcher.processing.nanosToNextRetry(POLL_NANOS);
            boolean receive;
            synchronized (receiveWait) {
                receive = dispatcher.receiving();
                if (!receive && (dispatcher.inFlight.get() == 0 || dispatcher.stopped())) {
                    return;
                }
                waitingForMessage = true;
            }
            RawMessage m = null;
            try {
                if (receive && !dispatcher.paused && dispatcher.permits.tryAcquire()) {
                    m = receiveOne(wait);
                    if (m == null) {
                        dispatcher.permits.release();
                    }
                } else {
                    LockSupport.parkNanos(this, wait);
                }
            } catch (InterruptedException e) {
                // close() wakes the wait; the loop's head sees the new dispatcher.phase
            }
            synchronized (receiveWait) {
                waitingForMessage = false;
                Thread.interrupted();   // an interrupt meant for the wait must not reach the handler
            }
            if (m != null) {
                dispatcher.inFlight.incrementAndGet();
                holdWhilePaused();
                dispatcher.dispatch(new Delivery<>(m, keyOf(m)), null);
            }
        }
    }

    void receiveBatchLoop() {
        List<RawMessage> batch = new ArrayList<>();
        long deadline = 0;
        while (dispatcher.receiving()) {
            try {
                if (!batch.isEmpty() && (batch.size() >= dispatcher.options.batchSize() || System.nanoTime() - deadline >= 0)) {
                    dispatcher.batches.submit(batch);
                    batch = new ArrayList<>();
                    continue;
                }
                if (dispatcher.paused && batch.isEmpty()) {
                    LockSupport.parkNanos(this, POLL_NANOS);
                    continue;
                }
                long wait = batch.isEmpty() ? POLL_NANOS : Math.max(1, Math.min(POLL_NANOS, deadline - System.nanoTime()));
                if (dispatcher.paused || !dispatcher.permits.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                    if (dispatcher.paused) {
                        LockSupport.parkNanos(this, wait);
                    }
                    continue;
                }
                RawMessage m = receiveOne(wait);
                if (m == null) {
                    dispatcher.permits.release();
                    continue;
                }
                dispatcher.inFlight.incrementAndGet();
                holdWhilePaused();
                if (batch.isEmpty()) {
                    deadline = System.nanoTime() + dispatcher.options.batchWait().toNanos();
                }
                batch.add(m);
            } catch (InterruptedException e) {
                if (!dispatcher.receiving()) {
                    break;
                }
            }
        }
        if (!batch.isEmpty()) {
            dispatcher.batches.submit(batch);
        }
    }

    /** A message that arrived while pause() was being called waits here, held in flight, until resume or close. */
    private void holdWhilePaused() {
        while (dispatcher.paused && dispatcher.receiving()) {
            LockSupport.parkNanos(this, POLL_NANOS);
        }
    }

    private RawMessage receiveOne(long waitNanos) throws InterruptedException {
        try {
            RawMessage m = dispatcher.consumer.receive(waitNanos, TimeUnit.NANOSECONDS);
            if (dispatcher.receiveFailing) {
                dispatcher.receiveFailing = false;
                LOG.log(Level.INFO, "subscription ''{0}'' on ''{1}'' receives again", dispatcher.options.subscription(),
                        dispatcher.options.topicDescription());
            }
            return m;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!dispatcher.receiving()) {
                return null;
            }
            if (!dispatcher.receiveFailing) {
                LOG.log(Level.WARNING, "subscription '" + dispatcher.options.subscription() + "' on '" + dispatcher.options.topicDescription()
                        + "' cannot receive; retrying", e);
            }
            dispatcher.receiveFailing = true;
            dispatcher.stats.failed(e);
            Thread.sleep(200);
            return null;
        }
    }

    private String keyOf(RawMessage m) {
        switch (dispatcher.options.ordering()) {
            case STRICT:
                return "";
            case PER_KEY:
                return m.key() == null ? "" : m.key();
            default:
                return null;
        }
    }

    /** Wakes an inline receiver that waits and gives it until the deadline to finish what is in flight. */
    boolean stopInline(Thread thread, Deadline deadline) throws InterruptedException {
        synchronized (receiveWait) {
            if (waitingForMessage) {
                thread.interrupt();
            }
        }
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos())));
        return !thread.isAlive();
    }
}
