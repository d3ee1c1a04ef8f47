package io.courier.core.internal;

import io.courier.core.spi.Timers;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The engine's time: every reading of time and every timed wait of a subscription goes through it (backoffs, batch
 * waits, handler timeouts, retries coming due). Production uses {@link System#nanoTime()} and the shared timer thread;
 * the engine's unit tests use a clock they move by hand, so a 5 s backoff takes no 5 s.
 */
public interface DispatchClock {

    /** Monotonic nanoseconds, comparable only with each other. */
    long nanoTime();

    /** Runs {@code task} once, {@code delayNanos} from now, on a timer thread; cancel with the returned future. */
    Future<?> schedule(Runnable task, long delayNanos);

    /** Waits {@code nanos} on the calling thread (a batch's backoff, which holds its lane). */
    void sleep(long nanos) throws InterruptedException;

    /** The system's monotonic clock with the shared daemon timer thread. */
    static DispatchClock system() {
        return SystemClock.INSTANCE;
    }

    /** {@link DispatchClock#system()}. */
    enum SystemClock implements DispatchClock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Future<?> schedule(Runnable task, long delayNanos) {
            return Timers.shared().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }
}
