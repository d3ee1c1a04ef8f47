package io.courier.core.internal;

import io.courier.Codec;
import io.courier.Responder;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A responder at work: requests from the backend are answered on {@code concurrency} threads of its own, each reply
 * (or the responder's failure) sent back once. Requests beyond what the threads and a bounded queue hold are answered
 * at once with a failure rather than queued without end: the requester learns the responder is overloaded instead
 * of waiting out its timeout. Pausing stops listening, so requests go to the other responders of the group.
 * Thread-safe.
 */
public final class Responding<T, R> implements Subscription {
    /** Requests waiting for a thread, per thread of the responder. */
    private static final int QUEUED_PER_THREAD = 1_000;

    private final SubscribeOptions options;
    private final Responder<T, R> responder;
    private final PayloadDecoder<T> decoder;
    private final Codec replyCodec;
    private final Function<RequestSink, Runnable> listen;
    private final ThreadPoolExecutor threads;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Instant lastActivity = Instant.now();
    private volatile String lastError;
    private volatile SubscriptionState state = SubscriptionState.RUNNING;
    private final Duration defaultGrace;
    private final Runnable onClosed;
    private Runnable stopListening;

    /**
     * @param listen starts the backend's listening for this responder's topic and group, handing requests to the
     *               sink; returns what stops it
     * @param defaultGrace how long {@link #close()} lets requests taken finish
     * @param onClosed   called once when closed
     */
    public Responding(SubscribeOptions options, Class<T> requestType, Responder<T, R> responder, Codecs codecs,
                      String defaultCodec, Function<RequestSink, Runnable> listen, Duration defaultGrace,
                      Runnable onClosed) {
        this.defaultGrace = defaultGrace;
        this.onClosed = onClosed;
        this.options = options;
        this.responder = Objects.requireNonNull(responder, "responder");
        this.decoder = new PayloadDecoder<>(requestType, codecs, options.codec().orElse(null), defaultCodec);
        this.replyCodec = codecs.byName(options.codec().orElse(defaultCodec));
        this.listen = listen;
        int n = options.concurrency();
        String name = "courier-respond-" + options.topicDescription() + "-" + options.subscription();
        AtomicInteger count = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(n * QUEUED_PER_THREAD),
                r -> HandlerThreads.newThread(this, r, name + "-" + count.incrementAndGet()));
        this.stopListening = listen.apply(this::receive);
    }

    private void receive(RawMessage request, Consumer<RawReply> reply) {
        try {
            threads.execute(() -> answer(request, reply));
        } catch (RejectedExecutionException e) {
            failed.incrementAndGet();
            reply.accept(Replies.failure(new RejectedExecutionException(threads.isShutdown()
                    ? "the responder is closing" : "the responder has " + threads.getQueue().size()
                    + " requests waiting; try again later")));
        }
    }

    private void answer(RawMessage request, Consumer<RawReply> reply) {
        inFlight.incrementAndGet();
        RawReply out;
        try {
            T payload = decoder.decode(request);
            R value = responder.respond(new DeliveredMessage<>(request, options.subscription(), payload, 1));
            out = Replies.of(value, replyCodec);
            answered.incrementAndGet();
        } catch (Exception e) {
            failed.incrementAndGet();
            lastError = e.getClass().getName() + ": " + e.getMessage();
            out = Replies.failure(e);
        } finally {
            inFlight.decrementAndGet();
            lastActivity = Instant.now();
        }
        reply.accept(out);
    }

    @Override
    public SubscribeOptions options() {
        return options;
    }

    @Override
    public SubscriptionHealth health() {
        return new SubscriptionHealth(options.topicDescription(), options.subscription(), state, inFlight.get(),
                answered.get(), failed.get(), 0, 0, lastActivity, lastError);
    }

    @Override
    public synchronized void pause() {
        if (state == SubscriptionState.RUNNING) {
            stopListening.run();
            state = SubscriptionState.PAUSED;
        }
    }

    @Override
    public synchronized void resume() {
        if (state == SubscriptionState.PAUSED) {
            stopListening = listen.apply(this::receive);
            state = SubscriptionState.RUNNING;
        }
    }

    /** Stops listening, then lets the requests taken finish within {@code grace}; true when they all did. */
    @Override
    public boolean close(Duration grace) {
        synchronized (this) {
            if (state == SubscriptionState.CLOSED || state == SubscriptionState.CLOSING) {
                return threads.isTerminated();
            }
            if (state == SubscriptionState.RUNNING) {
                stopListening.run();
            }
            state = SubscriptionState.CLOSING;
        }
        threads.shutdown();
        boolean done;
        try {
            done = HandlerThreads.onOneOf(List.of(this)) || threads.awaitTermination(grace.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            threads.shutdownNow();
        }
        state = SubscriptionState.CLOSED;
        onClosed.run();
        return done;
    }

    @Override
    public void close() {
        close(defaultGrace);
    }

    @Override
    public String toString() {
        return "Responder{" + options.topicDescription() + ", " + options.subscription() + ", " + state + "}";
    }
}
