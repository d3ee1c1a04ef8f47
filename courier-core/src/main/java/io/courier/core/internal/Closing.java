package io.courier.core.internal;

import io.courier.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Closes subscriptions in parallel, so that each gets the whole grace rather than what the previous one left. */
public final class Closing {
    private Closing() {
    }

    /** Closes every subscription with {@code grace}; returns how many did not drain within it. */
    public static int closeAll(List<? extends Subscription> subscriptions, Duration grace) {
        AtomicInteger undrained = new AtomicInteger();
        List<Thread> closers = new ArrayList<>();
        for (Subscription s : subscriptions) {
            Thread t = new Thread(() -> {
                if (!s.close(grace)) {
                    undrained.incrementAndGet();
                }
            }, "courier-close-" + s.options().subscription());
            t.setDaemon(true);
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return undrained.get();
    }

    /**
     * Runs {@code stop} on a new daemon thread: what a stop called from one of the handlers it would wait for does
     * instead of waiting for itself.
     */
    public static void inBackground(String threadName, Runnable stop) {
        Thread t = new Thread(stop, threadName);
        t.setDaemon(true);
        t.start();
    }
}
