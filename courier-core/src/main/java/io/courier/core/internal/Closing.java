package io.courier.core.internal;

import io.courier.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * How Courier stops things, written once: subscriptions close in parallel, so that each gets the whole grace rather
 * than what the previous one left; and a stop called from a handler of what it stops runs on another thread, since a
 * handler cannot wait for itself to finish (its message is acknowledged when it returns, as every in-flight message is
 * within the grace).
 */
public final class Closing {
    private Closing() {
    }

    /** Closes every subscription with {@code grace}, in parallel; returns how many did not drain within it. */
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
     * Runs {@code stop}, on the calling thread unless that thread runs a handler of one of {@code owners} (then on a
     * new daemon thread named {@code threadName}).
     *
     * @return what {@code stop} returned; false when it went to another thread
     */
    public static boolean outsideOwnHandlers(Collection<?> owners, String threadName, BooleanSupplier stop) {
        if (!HandlerThreads.onOneOf(owners)) {
            return stop.getAsBoolean();
        }
        inBackground(threadName, stop::getAsBoolean);
        return false;
    }

    /** Runs {@code stop} on a new daemon thread. */
    public static void inBackground(String threadName, Runnable stop) {
        Thread t = new Thread(stop, threadName);
        t.setDaemon(true);
        t.start();
    }
}
