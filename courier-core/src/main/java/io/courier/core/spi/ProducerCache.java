package io.courier.core.spi;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A backend's producers, one per topic, created on first use and kept: for clients whose producers are bound to a
 * topic (Pulsar). Sends made while a topic's producer is still being created go out in call order once it exists,
 * before any later send; a creation that failed is not kept, so the next send tries again. Thread-safe.
 *
 * @param <P> the client's producer type
 * @param <R> what a send completes with (the client's message id)
 */
public final class ProducerCache<P, R> {
    private final Map<String, Slot<P, R>> slots = new ConcurrentHashMap<>();
    private final Function<String, CompletableFuture<P>> create;
    private final Consumer<P> close;

    /**
     * @param create starts creating the producer of a topic
     * @param close  closes a producer dropped from the cache (should not block)
     */
    public ProducerCache(Function<String, CompletableFuture<P>> create, Consumer<P> close) {
        this.create = create;
        this.close = close;
    }

    /** The slot of {@code topic}: the cached one, or a new one whose producer is being created. */
    public Slot<P, R> slot(String topic) {
        Slot<P, R> slot = slots.get(topic);   // the common case, cheaper than computeIfAbsent
        if (slot == null) {
            slot = slots.computeIfAbsent(topic, t -> new Slot<>(create.apply(t)));
        }
        if (slot.creation.isCompletedExceptionally()) {
            // a failed creation (quota, broker down) is not kept: this send tries again
            slots.remove(topic, slot);
            slot = slots.computeIfAbsent(topic, t -> new Slot<>(create.apply(t)));
        }
        return slot;
    }

    /** Drops {@code slot} from the cache if it is still the topic's, marks it evicted and closes its producer. */
    public void evict(String topic, Slot<P, R> slot) {
        slot.evicted = true;
        if (slots.remove(topic, slot)) {
            slot.creation.thenAccept(close);
        }
    }

    /** Makes {@code producer}, already created, the topic's producer; the one it replaces is closed. */
    public void install(String topic, P producer) {
        Slot<P, R> replaced = slots.put(topic, new Slot<>(CompletableFuture.completedFuture(producer)));
        if (replaced != null) {
            replaced.creation.thenAccept(close);
        }
    }

    /**
     * Fails every send still waiting for its topic's producer to be created, with what {@code error} gives for the
     * topic: for a close that does not wait for creations (with the broker down one retries for the client's
     * operation timeout). Nothing of those sends went out.
     */
    public void abandonWaiting(Function<String, ? extends Throwable> error) {
        slots.forEach((topic, slot) -> slot.abandonWaiting(() -> error.apply(topic)));
    }

    /** Runs {@code finish} (flush and close, say) on every cached producer; the futures complete when each is done. */
    public <U> List<CompletableFuture<U>> finishAll(Function<P, CompletableFuture<U>> finish) {
        List<CompletableFuture<U>> result = new ArrayList<>();
        for (Slot<P, R> slot : slots.values()) {
            result.add(slot.creation.thenCompose(finish));
        }
        return result;
    }

    /**
     * A cached producer, being created or ready, that sends in call order even while it is being created. Chaining
     * each send on the creation future would not: a future runs its waiting stages last-registered first, and a send
     * that finds the producer ready could overtake one still waiting; both break per-key order for the first messages
     * of a topic. Thread-safe.
     */
    public static final class Slot<P, R> {
        private record Waiting<P, R>(Function<P, CompletableFuture<R>> send, CompletableFuture<R> result) {
        }

        private final CompletableFuture<P> creation;
        private final ArrayDeque<Waiting<P, R>> waiting = new ArrayDeque<>();
        private volatile P ready;
        private volatile boolean evicted;

        Slot(CompletableFuture<P> creation) {
            this.creation = creation;
            // async: a send may block on a full producer queue, which must never happen on a client I/O thread
            creation.whenCompleteAsync(this::created);
        }

        /**
         * The producer once it is ready and every send that waited for it has gone out, else null; a caller that gets
         * one may send on it directly (the common case, without allocating a send function).
         */
        public P ready() {
            return ready;
        }

        /** True once the slot was dropped from its cache ({@link ProducerCache#evict}). */
        public boolean isEvicted() {
            return evicted;
        }

        /** Sends now if the producer is ready, else after every send that came earlier. */
        public CompletableFuture<R> send(Function<P, CompletableFuture<R>> send) {
            P p = ready;
            if (p == null) {
                synchronized (waiting) {
                    p = ready;
                    if (p == null) {
                        if (creation.isCompletedExceptionally()) {
                            return creation.thenCompose(send); // creation failed: fail the same way
                        }
                        // created but not yet drained: wait too, the drain sends in order
                        CompletableFuture<R> result = new CompletableFuture<>();
                        waiting.add(new Waiting<>(send, result));
                        return result;
                    }
                }
            }
            return send.apply(p);
        }

        private void abandonWaiting(Supplier<? extends Throwable> error) {
            synchronized (waiting) {
                for (Waiting<P, R> w; (w = waiting.poll()) != null; ) {
                    w.result.completeExceptionally(error.get());
                }
            }
        }

        private void created(P producer, Throwable error) {
            synchronized (waiting) {
                for (Waiting<P, R> w; (w = waiting.poll()) != null; ) {
                    if (error != null) {
                        w.result.completeExceptionally(error);
                        continue;
                    }
                    CompletableFuture<R> result = w.result;
                    try {
                        w.send.apply(producer).whenComplete((id, e) -> {
                            if (e != null) {
                                result.completeExceptionally(e);
                            } else {
                                result.complete(id);
                            }
                        });
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                }
                if (error == null) {
                    ready = producer; // set last, under the lock: a send that sees it goes after all the waiting ones
                }
            }
        }
    }
}
