package io.courier.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed schedule of sends: the i-th falls due at start + i / rate, and the sender waits for it, never sending early
 * and never skipping one that is late. A latency measured from the due time (not from the send) counts a stall of the
 * sender too, so that a run that falls behind shows it.
 */
final class FixedRate {
    /** Called once per send, in order, on the scheduling thread. */
    @FunctionalInterface
    interface Send {
        void at(int index, long dueNanos);
    }

    private FixedRate() {
    }

    static void run(int rate, int count, Send send) {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            send.at(i, due);
        }
    }
}
