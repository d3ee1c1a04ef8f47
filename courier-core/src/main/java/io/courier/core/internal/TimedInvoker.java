package io.courier.core.internal;

import io.courier.HandlerTimeoutException;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * Runs one handler attempt under the subscription's timeout. At the timeout the handler's thread is interrupted and
 * the attempt counts as a {@link HandlerTimeoutException} whatever the handler returns later. Thread-safe.
 */
final class TimedInvoker {

    /** One attempt. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    private final long timeoutNanos;
    private final Duration timeout;
    private final String what;
    private final DispatchClock clock;

    TimedInvoker(Duration timeout, String what, DispatchClock clock) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.what = what;
        this.clock = clock;
    }

    /** Runs the attempt on the calling thread; returns its failure, or null on success. */
    Throwable invoke(Call call) {
        if (timeoutNanos == 0) {
            try {
                call.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }
        Watchdog dog = new Watchdog(Thread.currentThread());
        Future<?> alarm = clock.schedule(dog, timeoutNanos);
        Throwable failure = null;
        try {
            call.run();
        } catch (Throwable t) {
            failure = t;
        }
        alarm.cancel(false);
        if (!dog.finish()) {
            return new HandlerTimeoutException("handler of " + what + " ran past its timeout of " + timeout);
        }
        return failure;
    }

    /** Interrupts a handler that runs past its timeout; the handler's own result is then ignored. */
    private static final class Watchdog implements Runnable {
        private final Thread worker;
        private boolean done;
        private boolean fired;

        Watchdog(Thread worker) {
            this.worker = worker;
        }

        @Override
        public synchronized void run() {
            if (!done) {
                fired = true;
                worker.interrupt();
            }
        }

        /** Marks the attempt finished; false when the watchdog fired first (its interrupt is then cleared). */
        synchronized boolean finish() {
            done = true;
            if (fired) {
                Thread.interrupted();
                return false;
            }
            return true;
        }
    }
}
