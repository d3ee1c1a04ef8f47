package io.courier.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A {@link DispatchClock} that moves only when the test says so: due timer tasks run on the test's thread, and threads
 * sleeping on it wake when it has moved far enough.
 */
final class ManualClock implements DispatchClock {
    private long now = 1_000_000_000L;
    private int sleepers;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final long due;
        final Runnable run;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Task(long due, Runnable run) {
            this.due = due;
            this.run = run;
        }
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Future<?> schedule(Runnable task, long delayNanos) {
        Task t = new Task(now + delayNanos, task);
        tasks.add(t);
        return t.future;
    }

    /** Timer tasks waiting (not yet due or not yet run), cancelled ones excluded. */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.future.isCancelled()).count();
    }

    /** Waits until the test has moved the clock {@code nanos} past now (a batch's backoff on its lane). */
    @Override
    public synchronized void sleep(long nanos) throws InterruptedException {
        long until = now + nanos;
        sleepers++;
        try {
            while (now < until) {
                wait();
            }
        } finally {
            sleepers--;
        }
    }

    /** Threads waiting in {@link #sleep}. */
    synchronized int sleepers() {
        return sleepers;
    }

    /** Moves time forward and runs every task that became due, in due order. */
    void advance(Duration d) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            now += d.toNanos();
            notifyAll();
            for (Task t : tasks) {
                if (t.due <= now) {
                    due.add(t);
                }
            }
            tasks.removeAll(due);
        }
        due.sort(Comparator.comparingLong(t -> t.due));
        for (Task t : due) {
            if (!t.future.isCancelled()) {
                t.run.run();
                t.future.complete(null);
            }
        }
    }
}
