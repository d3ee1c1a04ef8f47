package io.courier.core.internal;

import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.Deadline;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * Drives one {@link RawConsumer} for one handler, the same way on every backend: it builds the parts for the
 * handler's {@link HandlerKind}, runs the receiving thread, answers health and pause, and closes with a drain. The
 * parts see only the {@link SubscriptionRuntime}: {@link Receiving} (bounded in-flight receive), {@link Lanes} (where
 * handlers run), {@link SingleAttempts}, {@link BatchAttempts} and {@link ManualSettlement} (the three kinds of
 * handler), {@link PayloadDecoder}, {@link TimedInvoker} (the handler timeout), {@link FailureHandling} (the retry
 * policy and what follows the last attempt) and {@link KeyGate} (a key waiting for a retry holds back only that key).
 *
 * <p>Threads: with concurrency 1 and a single-message handler the receiving thread runs the handler itself and keeps
 * its waiting retries in its own queue; otherwise handlers run on lanes (one thread per lane for PER_KEY, hashed by
 * key; one pool for UNORDERED; one thread for batches) and waiting retries on the clock's timer. Thread-safe.
 */
public final class Dispatcher<T> implements Subscription {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());

    /** Where dead letters and retry letters go: the broker's raw publish. */
    @FunctionalInterface
    public interface DeadLetterSink {
        CompletableFuture<?> send(OutboundMessage message);
    }

    /**
     * What a broker gives each of its dispatchers.
     *
     * @param codecs           the codecs to decode with
     * @param defaultCodec     the codec of messages without a {@code content-type}
     * @param deadLetters      the broker's raw publish, for dead letters and retry letters
     * @param deadLetterTopics the dead-letter topic of a message's topic
     * @param retryTopics      the retry topic of a message's topic, or null when the policy has no retry topic
     * @param clock            wall-clock time for health and dead-letter headers
     * @param publishTimeout   longest a dead-letter or retry-letter publish may take
     * @param defaultGrace     the grace of {@link Dispatcher#close()}
     */
    public record Wiring(Codecs codecs, String defaultCodec, DeadLetterSink deadLetters,
                         UnaryOperator<String> deadLetterTopics, UnaryOperator<String> retryTopics, Clock clock,
                         Duration publishTimeout, Duration defaultGrace) {
    }

    private final SubscribeOptions options;
    private final RawConsumer consumer;
    private final SubscriptionLifecycle lifecycle = new SubscriptionLifecycle();
    private final SubscriptionRuntime runtime;
    private final Receiving receiving;
    /** Null when the receiving thread runs the handler itself. */
    private final Lanes<T> lanes;
    private final Thread receiver;
    private final Duration defaultGrace;
    private final Runnable onClosed;

    /** A dispatcher for {@code kind}, on the system clock. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> of(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                       HandlerKind<T> kind, Wiring wiring, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, kind, wiring, DispatchClock.system(), onClosed);
    }

    Dispatcher(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType, HandlerKind<T> kind, Wiring wiring,
               DispatchClock clock, Runnable onClosed) {
        this.options = options;
        this.consumer = consumer;
        this.defaultGrace = wiring.defaultGrace();
        this.onClosed = onClosed;
        this.runtime = new SubscriptionRuntime(options, clock, new SubscriptionStats(wiring.clock()), consumer, lifecycle,
                () -> Closing.inBackground("courier-stop-" + options.subscription(), this::close));
        this.receiving = new Receiving(runtime, lifecycle, consumer);
        PayloadDecoder<T> decoder = new PayloadDecoder<>(payloadType, wiring.codecs(), options.codec().orElse(null),
                wiring.defaultCodec());
        TimedInvoker invoker = new TimedInvoker(options.handlerTimeout(), "subscription '" + options.subscription()
                + "' on '" + options.topicDescription() + "'", clock);
        FailureHandling failures = new FailureHandling(options, wiring.deadLetters(), wiring.deadLetterTopics(),
                wiring.retryTopics(), wiring.publishTimeout(), runtime.stats, runtime);
        boolean inline = kind instanceof HandlerKind.Single<T> && options.concurrency() == 1;
        this.lanes = inline ? null : new Lanes<>(options, kind instanceof HandlerKind.Batch<T>,
                !(kind instanceof HandlerKind.Manual<T>), (task, name) -> HandlerThreads.newThread(this, task, name));
        Runnable loop;
        if (kind instanceof HandlerKind.Single<T> single) {
            SingleAttempts<T> attempts = new SingleAttempts<>(runtime, decoder, invoker, failures, single.handler());
            loop = inline ? ReceiveLoops.inline(receiving, runtime, attempts)
                    : ReceiveLoops.toLanes(receiving, runtime, lanes, (d, lane) -> attempts.dispatch(d, lane.gate, lane));
        } else if (kind instanceof HandlerKind.Batch<T> batch) {
            loop = ReceiveLoops.batches(receiving, runtime,
                    new BatchAttempts<>(runtime, decoder, invoker, failures, batch.handler(), lanes.first()));
        } else {
            ManualSettlement<T> settlement = new ManualSettlement<>(runtime, decoder, failures,
                    ((HandlerKind.Manual<T>) kind).handler());
            loop = ReceiveLoops.toLanes(receiving, runtime, lanes, settlement::start);
        }
        this.receiver = HandlerThreads.newThread(this, loop, "courier-" + options.subscription()
                + (inline ? "-worker" : "-receiver"));
    }

    public void start() {
        lifecycle.start();
        receiver.start();
    }

    @Override
    public SubscribeOptions options() {
        return options;
    }

    @Override
    public void pause() {
        lifecycle.pause();
    }

    @Override
    public void resume() {
        lifecycle.resume();
        LockSupport.unpark(receiver);
    }

    /** Messages waiting in process for a retry's backoff (they count as in flight too). */
    int waitingRetries() {
        return runtime.waitingRetries();
    }

    @Override
    public SubscriptionHealth health() {
        SubscriptionStats stats = runtime.stats;
        return new SubscriptionHealth(options.topicDescription(), options.subscription(), state(), runtime.inFlight(),
                stats.processed.get(), stats.failedAttempts.get(), stats.retried.get(), stats.deadLettered.get(),
                stats.lastActivity(), stats.lastError());
    }

    private SubscriptionState state() {
        SubscriptionState reported = lifecycle.reported();
        if ((reported == SubscriptionState.RUNNING || reported == SubscriptionState.PAUSED) && runtime.inFlight() > 0
                && Duration.between(runtime.stats.lastActivity(), runtime.stats.now()).compareTo(options.stallThreshold()) > 0) {
            return SubscriptionState.STALLED;
        }
        return reported;
    }

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
        if (!lifecycle.beginClose()) {
            return HandlerThreads.onOneOf(Set.of(this)) ? lifecycle.state() == SubscriptionLifecycle.State.CLOSED
                    && lifecycle.awaitClosed() : lifecycle.awaitClosed();
        }
        return Closing.outsideOwnHandlers(List.of(this), "courier-close-" + options.subscription(), () -> closeNow(grace));
    }

    private boolean closeNow(Duration grace) {
        Deadline deadline = Deadline.after(grace);
        boolean drained;
        try {
            if (lanes == null) {
                drained = receiving.stopWaiting(receiver, deadline);
            } else {
                receiver.interrupt();
                receiver.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.max(deadline.remainingNanos(),
                        TimeUnit.SECONDS.toNanos(1)))));
                drained = runtime.awaitIdle(deadline);
                lanes.shutdown();
                drained &= lanes.awaitTermination(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        drained |= runtime.inFlight() == 0;
        if (!drained) {
            lifecycle.abandon();
            if (lanes != null) {
                lanes.shutdownNow();
            } else {
                receiver.interrupt();   // as shutdownNow() interrupts a lane's worker: its handler's result is ignored
            }
            // a zero grace asks for exactly this (a reader that leaves what it did not take for the next one)
            LOG.log(grace.isZero() ? Level.DEBUG : Level.WARNING, "subscription ''{0}'' on ''{1}'' did not drain within "
                    + "{2}: {3} message(s) left unacknowledged for redelivery", options.subscription(),
                    options.topicDescription(), grace, runtime.inFlight());
        }
        consumer.close(deadline.remaining());
        lifecycle.closed(drained);
        onClosed.run();
        return drained;
    }

    @Override
    public String toString() {
        return "Subscription{" + options.topicDescription() + ", " + options.subscription() + ", " + state() + "}";
    }
}
