package io.courier.pulsar;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;

/**
 * A cached producer, being created or ready, that sends in call order even while it is being created. Chaining each
 * send on the creation future would not: a future runs its waiting stages last-registered first, and a send that
 * finds the producer ready could overtake one still waiting — both break per-key order for the first messages of a
 * topic. Thread-safe.
 */
final class ProducerSlot {
    private record Waiting(Function<Producer<byte[]>, CompletableFuture<MessageId>> send, CompletableFuture<MessageId> result) {
    }

    final CompletableFuture<Producer<byte[]>> creation;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private volatile Producer<byte[]> ready;
    /** Set when the broker refused this producer for the backlog quota and it was dropped from the cache. */
    volatile boolean closedForQuota;

    ProducerSlot(CompletableFuture<Producer<byte[]>> creation) {
        this.creation = creation;
        // async: a send may block on a full producer queue, which must never happen on a client I/O thread
        creation.whenCompleteAsync(this::created);
    }

    /** A slot for a producer that is already created. */
    static ProducerSlot of(Producer<byte[]> producer) {
        return new ProducerSlot(CompletableFuture.completedFuture(producer));
    }

    /**
     * The producer once it is ready and every send that waited for it has gone out, else null; a caller that gets one
     * may send on it directly (the common case, without allocating a send function).
     */
    Producer<byte[]> ready() {
        return ready;
    }

    /** Sends now if the producer is ready, else after every send that came earlier. */
    CompletableFuture<MessageId> send(Function<Producer<byte[]>, CompletableFuture<MessageId>> send) {
        Producer<byte[]> p = ready;
        if (p == null) {
            synchronized (waiting) {
                p = ready;
                if (p == null) {
                    if (creation.isCompletedExceptionally()) {
                        return creation.thenCompose(send); // creation failed: fail the same way
                    }
                    // created but not yet drained: wait too, the drain sends in order
                    CompletableFuture<MessageId> result = new CompletableFuture<>();
                    waiting.add(new Waiting(send, result));
                    return result;
                }
            }
        }
        return send.apply(p);
    }

    private void created(Producer<byte[]> producer, Throwable error) {
        synchronized (waiting) {
            for (Waiting w; (w = waiting.poll()) != null; ) {
                if (error != null) {
                    w.result.completeExceptionally(error);
                    continue;
                }
                CompletableFuture<MessageId> result = w.result;
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
