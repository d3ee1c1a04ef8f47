package io.courier.core.internal;

import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.core.spi.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Where handlers run when they do not run on the receiving thread: one single-thread lane per unit of concurrency
 * for PER_KEY (a key always maps to the same lane), one pool for UNORDERED, one thread for batches. Ordered lanes
 * carry the {@link KeyGate} that keeps a key's later messages behind one waiting for a retry. Thread-safe.
 */
final class Lanes<T> {

    /** One lane: its executor, and its key gate when order matters (used only from the lane's thread). */
    static final class Lane<T> {
        final ExecutorService executor;
        /** Null when order does not matter (UNORDERED, batches, manual acknowledgement). */
        final KeyGate<Delivery<T>> gate;

        Lane(ExecutorService executor, boolean ordered) {
            this.executor = executor;
            this.gate = ordered ? new KeyGate<>() : null;
        }
    }

    private final List<Lane<T>> lanes;

    /**
     * @param threads makes a named thread for a task (the dispatcher's own thread type)
     * @param ordered whether PER_KEY lanes gate keys (false for manual acknowledgement, whose settlements are the
     *                handler's to order)
     */
    Lanes(SubscribeOptions options, boolean batches, boolean ordered, BiFunction<Runnable, String, Thread> threads) {
        String prefix = "courier-" + options.subscription() + "-worker";
        if (batches) {
            lanes = List.of(new Lane<>(pool(1, prefix, threads), false));
        } else if (options.ordering() == Ordering.UNORDERED) {
            lanes = List.of(new Lane<>(pool(options.concurrency(), prefix, threads), false));
        } else {
            List<Lane<T>> result = new ArrayList<>(options.concurrency());
            for (int i = 0; i < options.concurrency(); i++) {
                result.add(new Lane<>(pool(1, prefix + "-lane" + i, threads), ordered));
            }
            lanes = List.copyOf(result);
        }
    }

    private static ExecutorService pool(int threads, String prefix, BiFunction<Runnable, String, Thread> make) {
        // Unbounded queue is safe: the in-flight semaphore bounds what is ever queued.
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> make.apply(r, prefix + "-" + n.incrementAndGet());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingDeque<>(), factory);
        pool.prestartAllCoreThreads();   // runFirst puts work straight on the queue: its threads must be there
        return pool;
    }

    /** The lane of a message: by its key's hash on PER_KEY lanes, else the only lane. */
    Lane<T> of(Delivery<T> d) {
        if (lanes.size() == 1 || d.key == null) {
            return lanes.get(0);
        }
        return lanes.get(Math.floorMod(d.key.hashCode() * 0x9E3779B9, lanes.size()));
    }

    Lane<T> first() {
        return lanes.get(0);
    }

    /** Runs {@code task} on {@code lane}; after an abandoned close it is dropped (its message is redelivered). */
    static <T> void run(Lane<T> lane, Runnable task) {
        try {
            lane.executor.execute(task);
        } catch (RejectedExecutionException e) {
            // the subscription was abandoned at close: the message stays unacknowledged for redelivery
        }
    }

    /**
     * Runs {@code task} on {@code lane} ahead of the messages waiting there: a retry whose backoff is over runs after
     * the handler now running, not after everything received meanwhile (with a full lane that was up to maxInFlight
     * handler runs late). After an abandoned close it is dropped, as by {@link #run}.
     */
    @SuppressWarnings("unchecked")
    static <T> void runFirst(Lane<T> lane, Runnable task) {
        ThreadPoolExecutor executor = (ThreadPoolExecutor) lane.executor;
        if (!executor.isShutdown()) {
            ((BlockingDeque<Runnable>) executor.getQueue()).offerFirst(task);
        }
    }

    void shutdown() {
        for (Lane<T> lane : lanes) {
            lane.executor.shutdown();
        }
    }

    /** Waits until every lane finished its tasks or the deadline passed; true if they all finished. */
    boolean awaitTermination(Deadline deadline) throws InterruptedException {
        boolean all = true;
        for (Lane<T> lane : lanes) {
            if (!lane.executor.awaitTermination(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                all = false;
            }
        }
        return all;
    }

    /** Interrupts running handlers and drops queued tasks. */
    void shutdownNow() {
        for (Lane<T> lane : lanes) {
            lane.executor.shutdownNow();
        }
    }
}
