package io.courier.core.kit;

import io.courier.MessageId;
import io.courier.core.spi.Deadline;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The publishes a broker has sent and not yet seen settled, so that its close can wait for them within its timeout.
 * Counted on a striped adder: the publishing threads add and the client's I/O thread subtracts for every message, and
 * one shared atomic bounced its cache line between them. Thread-safe.
 */
final class PendingPublishes {
    private final LongAdder pending = new LongAdder();
    /** Set while {@link #await} waits: only then does a settled publish wake it. */
    private volatile boolean awaited;
    /** One shared callback rather than a lambda per publish: it stays alive as long as the publish is pending. */
    private final BiConsumer<MessageId, Throwable> settle = (id, error) -> settled();

    void sent() {
        pending.increment();
    }

    void settled() {
        pending.decrement();
        if (awaited) {
            synchronized (pending) {
                pending.notifyAll();
            }
        }
    }

    /** {@code sent} followed by the settlement when it completes, adding no stage when it is done already. */
    CompletableFuture<MessageId> tracked(CompletableFuture<MessageId> sent) {
        if (sent instanceof Result) {   // settles the count itself when completed
            return sent;
        }
        if (sent.isDone()) {   // a backend that stores synchronously (memory://) needs no extra stage
            settled();
            return sent;
        }
        return sent.whenComplete(settle);
    }

    /** A future whose completion settles its publish (see {@code AbstractBroker.newPublishResult}). */
    CompletableFuture<MessageId> newResult() {
        return new Result(this);
    }

    /** Waits until every publish is settled or the deadline passed. */
    void await(Deadline deadline) {
        awaited = true;   // before the first check: a publish settled after it sees the flag and wakes us
        synchronized (pending) {
            while (pending.sum() > 0) {
                long left = deadline.remainingNanos();
                if (left == 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pending, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Settles its publish once, on whichever completion comes first. Dependents are plain futures. */
    private static final class Result extends CompletableFuture<MessageId> {
        private final PendingPublishes owner;

        Result(PendingPublishes owner) {
            this.owner = owner;
        }

        @Override
        public boolean complete(MessageId value) {
            return settledIf(super.complete(value));
        }

        @Override
        public boolean completeExceptionally(Throwable error) {
            return settledIf(super.completeExceptionally(error));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return settledIf(super.cancel(mayInterruptIfRunning));
        }

        private boolean settledIf(boolean completedNow) {
            if (completedNow) {
                owner.settled();
            }
            return completedNow;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }
}
