package io.courier.core.internal;

import io.courier.BatchHandler;
import io.courier.Handler;
import io.courier.ManualAckHandler;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.Codecs;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * Drives one {@link RawConsumer} for one handler, the same way on every backend. This class holds the subscription's
 * lifecycle (one {@link Phase}), pause, health and the draining close; the work is done by its parts:
 * {@link ReceiveLoops} (bounded in-flight receive), {@link Lanes} (where handlers run), {@link MessageProcessing},
 * {@link BatchProcessing} and {@link ManualAcknowledgement} (the three kinds of handler), {@link PayloadDecoder},
 * {@link TimedInvoker} (the handler timeout), {@link FailureHandling} (the retry policy and what follows the last
 * attempt), {@link KeyGate} (a key waiting for a retry holds back only that key) and {@link SubscriptionStats}.
 *
 * <p>Threads: with concurrency 1 and a single-message handler the receiving thread runs the handler itself and keeps
 * waiting retries in its own queue; otherwise handlers run on lanes (one thread per lane for PER_KEY, hashed by key;
 * one pool for UNORDERED; one thread for batches) and waiting retries on the {@link DispatchClock}'s timer. A retry
 * never waits on a handler thread, except a batch's, which holds the batch lane.
 */
public final class Dispatcher<T> implements Subscription {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());

    /** Where dead letters go: the broker's raw publish. */
    @FunctionalInterface
    public interface DeadLetterSink {
        CompletableFuture<?> send(OutboundMessage message);
    }

    // read by the parts (same package); fixed at construction
    final SubscribeOptions options;
    final RawConsumer consumer;
    final PayloadDecoder<T> decoder;
    final TimedInvoker invoker;
    final FailureHandling failures;
    final SubscriptionStats stats;
    final DispatchClock clock;
    final Semaphore permits;
    final AtomicInteger inFlight = new AtomicInteger();
    /** Messages waiting for a retry in process (on the inline queue or the timer); in flight too. */
    final AtomicInteger waitingRetries = new AtomicInteger();
    /**
     * Concurrency 1 with a single-message handler: the receiving thread runs the handler itself. Handing each message
     * to a second thread (a queue offer and often a wake-up per message) was one of the two costs, with eager header
     * copies, that held concurrency-1 consume near 0.6 x the raw client.
     */
    private final boolean inline;
    /** Null for inline dispatch. */
    final Lanes<T> lanes;
    /** The key gate of inline dispatch (the receiver's own), or null. */
    final KeyGate<Delivery<T>> inlineGate;
    /** One of these three is non-null: the path for the kind of handler given. */
    final MessageProcessing<T> processing;
    final BatchProcessing<T> batches;
    private final ManualAcknowledgement<T> manual;
    private final ReceiveLoops<T> loops;
    private final Thread receiver;
    private final Duration defaultGrace;
    private final Runnable onClosed;

    private final Object lifecycle = new Object();
    private volatile Phase phase = Phase.CREATED;
    volatile boolean paused;
    /** Set by the STOP_SUBSCRIPTION action: nothing more is handled; what is in flight stays unacknowledged. */
    private volatile boolean halted;
    volatile boolean receiveFailing;
    private boolean drainedAtClose;

    /**
     * What a broker gives each of its dispatchers.
     *
     * @param codecs            the codecs to decode with
     * @param defaultCodec      the codec of messages without a {@code content-type}
     * @param deadLetters       the broker's raw publish, for dead letters and retry letters
     * @param deadLetterTopics  the dead-letter topic of a message's topic
     * @param retryTopics       the retry topic of a message's topic, or null when the policy has no retry topic
     * @param clock             wall-clock time for health and dead-letter headers
     * @param publishTimeout    longest a dead-letter or retry-letter publish may take
     * @param defaultGrace      the grace of {@link Dispatcher#close()}
     */
    public record Wiring(Codecs codecs, String defaultCodec, DeadLetterSink deadLetters,
                         UnaryOperator<String> deadLetterTopics, UnaryOperator<String> retryTopics, Clock clock,
                         Duration publishTimeout, Duration defaultGrace) {
    }

    Dispatcher(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType, Handler<T> handler,
               BatchHandler<T> batchHandler, ManualAckHandler<T> manualHandler, Wiring wiring, DispatchClock clock,
               Runnable onClosed) {
        Codecs codecs = wiring.codecs();
        String defaultCodec = wiring.defaultCodec();
        Duration defaultGrace = wiring.defaultGrace();
        Clock wallClock = wiring.clock();
        this.options = options;
        this.consumer = consumer;
        this.clock = clock;
        this.defaultGrace = defaultGrace;
        this.onClosed = onClosed;
        this.stats = new SubscriptionStats(wallClock);
        this.decoder = new PayloadDecoder<>(payloadType, codecs, options.codec().orElse(null), defaultCodec);
        this.invoker = new TimedInvoker(options.handlerTimeout(), "subscription '" + options.subscription() + "' on '"
                + options.topicDescription() + "'", clock);
        this.failures = new FailureHandling(options, wiring.deadLetters(), wiring.deadLetterTopics(),
                wiring.retryTopics(), wiring.publishTimeout(), stats, new Settle());
        this.permits = new Semaphore(options.maxInFlight());
        this.inline = handler != null && options.concurrency() == 1;
        this.inlineGate = inline && options.ordering() != Ordering.UNORDERED ? new KeyGate<>() : null;
        this.lanes = inline ? null : new Lanes<>(options, batchHandler != null, manualHandler == null,
                (task, name) -> new OwnThread(this, task, name));
        this.processing = handler == null ? null : new MessageProcessing<>(this, handler);
        this.batches = batchHandler == null ? null : new BatchProcessing<>(this, batchHandler, lanes.first());
        this.manual = manualHandler == null ? null : new ManualAcknowledgement<>(this, manualHandler);
        this.loops = new ReceiveLoops<>(this);
        Runnable loop = inline ? loops::receiveInlineLoop : batchHandler == null ? loops::receiveLoop : loops::receiveBatchLoop;
        this.receiver = new OwnThread(this, loop, "courier-" + options.subscription() + (inline ? "-worker" : "-receiver"));
    }

    /** A dispatcher calling {@code handler} for each message. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                               Handler<T> handler, Wiring wiring, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, handler, null, null, wiring, DispatchClock.system(),
                onClosed);
    }

    /** A dispatcher calling {@code handler} with batches. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forBatchHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                                    BatchHandler<T> handler, Wiring wiring, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, null, handler, null, wiring, DispatchClock.system(),
                onClosed);
    }

    /** A dispatcher calling {@code handler}, which settles each message itself. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forManualAckHandler(SubscribeOptions options, RawConsumer consumer,
                                                        Class<T> payloadType, ManualAckHandler<T> handler,
                                                        Wiring wiring, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, null, null, handler, wiring, DispatchClock.system(),
                onClosed);
    }

    /**
     * A thread of one dispatcher (its receiver or a worker): knowing it lets a close called from a handler avoid
     * waiting for itself. Daemon: Courier threads never keep a JVM alive by themselves.
     */
    private static final class OwnThread extends Thread {
        final Dispatcher<?> owner;

        OwnThread(Dispatcher<?> owner, Runnable task, String name) {
            super(task, name);
            this.owner = owner;
            setDaemon(true);
        }
    }

    /** True when the calling thread runs handlers of some subscription (any dispatcher's receiver or worker). */
    public static boolean onHandlerThread() {
        return Thread.currentThread() instanceof OwnThread;
    }

    /** True when the calling thread is this subscription's receiver or one of its workers. */
    public boolean ownsCurrentThread() {
        return Thread.currentThread() instanceof OwnThread own && own.owner == this;
    }

    public void start() {
        synchronized (lifecycle) {
            if (phase != Phase.CREATED) {
                throw new IllegalStateException("subscription '" + options.subscription() + "' already started");
            }
            phase = Phase.RUNNING;
            receiver.start();
        }
    }

    @Override
    public SubscribeOptions options() {
        return options;
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        LockSupport.unpark(receiver);
    }

    @Override
    public SubscriptionHealth health() {
        return new SubscriptionHealth(options.topicDescription(), options.subscription(), state(), inFlight.get(),
                stats.processed.get(), stats.failedAttempts.get(), stats.retried.get(), stats.deadLettered.get(),
                stats.lastActivity(), stats.lastError());
    }

    private SubscriptionState state() {
        switch (phase) {
            case CLOSED:
                return SubscriptionState.CLOSED;
            case DRAINING:
            case ABANDONED:
                return SubscriptionState.CLOSING;
            default:
                break;
        }
        if (receiveFailing) {
            return SubscriptionState.FAILED;
        }
        if (inFlight.get() > 0
                && Duration.between(stats.lastActivity(), stats.now()).compareTo(options.stallThreshold()) > 0) {
            return SubscriptionState.STALLED;
        }
        return paused ? SubscriptionState.PAUSED : SubscriptionState.RUNNING;
    }

    /** A newly received message (on its lane's thread, or the inline receiver with a null lane), to its handler's path. */
    void dispatch(Delivery<T> d, Lanes.Lane<T> lane) {
        if (manual != null) {
            manual.start(d, lane);
        } else {
            processing.dispatch(d, lane == null ? inlineGate : lane.gate, lane);
        }
    }

    boolean receiving() {
        return phase == Phase.RUNNING && !halted;
    }

    // ---------------------------------------------------------------- receiving









    // ---------------------------------------------------------------- handling





    // ---------------------------------------------------------------- manual acknowledgement




    // ---------------------------------------------------------------- batches




    /** Nothing more is handled or acknowledged: abandoned at close (or closed since), or halted by the policy. */
    boolean stopped() {
        return phase.compareTo(Phase.ABANDONED) >= 0 || halted;
    }

    void finish(int count) {
        int left = inFlight.addAndGet(-count);
        permits.release(count);
        stats.touched();
        if (left == 0 && phase != Phase.RUNNING) {
            synchronized (lifecycle) {
                lifecycle.notifyAll();
            }
        }
    }

    void ack(RawMessage raw) {
        if (!stopped()) {
            consumer.ack(raw);
        }
    }

    /** How the failure policy settles messages on this dispatcher. */
    private final class Settle implements FailureHandling.Settle {
        @Override
        public void ack(RawMessage raw) {
            Dispatcher.this.ack(raw);
        }

        @Override
        public void nack(RawMessage raw) {
            if (!stopped()) {
                consumer.nack(raw);
            }
        }

        @Override
        public void stopSubscription() {
            halted = true;
            Closing.inBackground("courier-stop-" + options.subscription(), () -> close(defaultGrace));
        }
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() {
        close(defaultGrace);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Called from one of this subscription's own handlers, it cannot wait for that handler: the close then runs on
     * another thread, this call returns false at once, and the calling handler's message is acknowledged when the
     * handler returns normally (as every in-flight message is within the grace). Retries waiting for their backoff
     * count as in flight: the close waits for them within the grace.
     */
    @Override
    public boolean close(Duration grace) {
        synchronized (lifecycle) {
            if (phase.compareTo(Phase.DRAINING) >= 0) {
                return ownsCurrentThread() ? phase == Phase.CLOSED && drainedAtClose : awaitClosed();
            }
            phase = Phase.DRAINING;
        }
        if (ownsCurrentThread()) {
            Closing.inBackground("courier-close-" + options.subscription(), () -> closeNow(grace));
            return false;
        }
        return closeNow(grace);
    }

    private boolean closeNow(Duration grace) {
        Deadline deadline = Deadline.after(grace);
        boolean drained;
        try {
            if (inline) {
                drained = loops.stopInline(receiver, deadline);
            } else {
                receiver.interrupt();
                joinQuietly(receiver, deadline);
                drained = awaitNothingInFlight(deadline);
                lanes.shutdown();
                drained &= lanes.awaitTermination(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained && inFlight.get() == 0) {
            drained = true;
        }
        if (!drained) {
            synchronized (lifecycle) {
                phase = Phase.ABANDONED;
            }
            if (lanes != null) {
                lanes.shutdownNow();
            }
            // a zero grace asks for exactly this (a reader that leaves what it did not take for the next one)
            LOG.log(grace.isZero() ? Level.DEBUG : Level.WARNING, "subscription ''{0}'' on ''{1}'' did not drain within {2}: {3} message(s) left "
                    + "unacknowledged for redelivery", options.subscription(), options.topicDescription(), grace,
                    inFlight.get());
            if (inline) {
                receiver.interrupt();   // as shutdownNow() interrupts a lane's worker: its handler's result is ignored
            }
        }
        consumer.close(deadline.remaining());
        synchronized (lifecycle) {
            drainedAtClose = drained;
            phase = Phase.CLOSED;
            lifecycle.notifyAll();
        }
        onClosed.run();
        return drained;
    }

    private boolean awaitNothingInFlight(Deadline deadline) throws InterruptedException {
        synchronized (lifecycle) {
            while (inFlight.get() > 0 && !halted) {
                long left = deadline.remainingNanos();
                if (left == 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lifecycle, left);
            }
            return true;
        }
    }

    private boolean awaitClosed() {
        synchronized (lifecycle) {
            while (phase != Phase.CLOSED) {
                try {
                    lifecycle.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return drainedAtClose;
        }
    }


    private static void joinQuietly(Thread t, Deadline deadline) throws InterruptedException {
        long left = deadline.remainingNanos();
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.max(left, TimeUnit.SECONDS.toNanos(1)))));
    }

    @Override
    public String toString() {
        return "Subscription{" + options.topicDescription() + ", " + options.subscription() + ", " + state() + "}";
    }
}
