package io.courier.core.internal;

import io.courier.BatchHandler;
import io.courier.Handler;
import io.courier.HandlerTimeoutException;
import io.courier.Headers;
import io.courier.ManualAckHandler;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.NackedException;
import io.courier.Ordering;
import io.courier.PendingMessage;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.Codecs;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * Drives one {@link RawConsumer} for one handler, the same way on every backend: bounded in-flight receive, STRICT /
 * PER_KEY / UNORDERED dispatch, and a draining close. Its parts: {@link PayloadDecoder} (payload to the handler's type),
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
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Where dead letters go: the broker's raw publish. */
    @FunctionalInterface
    public interface DeadLetterSink {
        CompletableFuture<?> send(OutboundMessage message);
    }

    private final SubscribeOptions options;
    private final RawConsumer consumer;
    private final Handler<T> handler;
    private final BatchHandler<T> batchHandler;
    private final ManualAckHandler<T> manualHandler;
    private final PayloadDecoder<T> decoder;
    private final TimedInvoker invoker;
    private final FailureHandling failures;
    private final SubscriptionStats stats;
    private final DispatchClock clock;
    private final Duration defaultGrace;
    private final Runnable onClosed;

    private final Semaphore permits;
    /**
     * Concurrency 1 without a batch handler: the receiving thread runs the handler itself. Handing each message to a
     * second thread (a queue offer and often a wake-up per message) was one of the two costs, with eager header
     * copies, that held concurrency-1 consume near 0.6 x the raw client.
     */
    private final boolean inline;
    private final List<Lane> lanes;
    private final Thread receiver;
    /** Inline dispatch only, touched by the receiver alone: retries by due time, and the keys they hold. */
    private final PriorityQueue<Delivery<T>> inlineRetries = new PriorityQueue<>(Comparator.comparingLong(d -> d.dueNanos));
    private final KeyGate<Delivery<T>> inlineGate;
    /** Guards {@link #waitingForMessage}, so that close interrupts an inline receiver's wait but never its handler. */
    private final Object receiveWait = new Object();
    private boolean waitingForMessage;

    private final Object lifecycle = new Object();
    private volatile Phase phase = Phase.CREATED;
    private volatile boolean paused;
    /** Set by the STOP_SUBSCRIPTION action: nothing more is handled; what is in flight stays unacknowledged. */
    private volatile boolean halted;
    private volatile boolean receiveFailing;
    private boolean drainedAtClose;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Where handlers run when they do not run on the receiving thread. */
    private final class Lane {
        final ExecutorService executor;
        /** Null when order does not matter (UNORDERED, batches). */
        final KeyGate<Delivery<T>> gate;

        Lane(ExecutorService executor, boolean ordered) {
            this.executor = executor;
            this.gate = ordered ? new KeyGate<>() : null;
        }
    }

    Dispatcher(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType, Handler<T> handler,
               BatchHandler<T> batchHandler, ManualAckHandler<T> manualHandler, Codecs codecs, String defaultCodec, DeadLetterSink deadLetters,
               UnaryOperator<String> deadLetterTopics, Clock wallClock, DispatchClock clock, Duration deadLetterTimeout, Duration defaultGrace,
               Runnable onClosed) {
        this.options = options;
        this.consumer = consumer;
        this.handler = handler;
        this.batchHandler = batchHandler;
        this.manualHandler = manualHandler;
        this.clock = clock;
        this.defaultGrace = defaultGrace;
        this.onClosed = onClosed;
        this.stats = new SubscriptionStats(wallClock);
        this.decoder = new PayloadDecoder<>(payloadType, codecs, options.codec().orElse(null), defaultCodec);
        this.invoker = new TimedInvoker(options.handlerTimeout(), "subscription '" + options.subscription() + "' on '"
                + options.topicDescription() + "'", clock);
        this.failures = new FailureHandling(options, deadLetters, deadLetterTopics, deadLetterTimeout, stats,
                new Settle());
        this.permits = new Semaphore(options.maxInFlight());
        this.inline = handler != null && options.concurrency() == 1;
        this.inlineGate = inline && options.ordering() != Ordering.UNORDERED ? new KeyGate<>() : null;
        this.lanes = inline ? null : createLanes();
        String name = "courier-" + options.subscription();
        Runnable loop = inline ? this::receiveInlineLoop : batchHandler == null ? this::receiveLoop : this::receiveBatchLoop;
        this.receiver = new OwnThread(this, loop, name + (inline ? "-worker" : "-receiver"));
    }

    /** A dispatcher calling {@code handler} for each message. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                               Handler<T> handler, Codecs codecs, String defaultCodec,
                                               DeadLetterSink deadLetters, UnaryOperator<String> deadLetterTopics,
                                               Clock clock, Duration deadLetterTimeout, Duration defaultGrace,
                                               Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, handler, null, null, codecs, defaultCodec, deadLetters,
                deadLetterTopics, clock,
                DispatchClock.system(), deadLetterTimeout, defaultGrace, onClosed);
    }

    /** A dispatcher calling {@code handler} with batches. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forBatchHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                                    BatchHandler<T> handler, Codecs codecs, String defaultCodec,
                                                    DeadLetterSink deadLetters, UnaryOperator<String> deadLetterTopics,
                                                    Clock clock, Duration deadLetterTimeout, Duration defaultGrace,
                                                    Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, null, handler, null, codecs, defaultCodec, deadLetters,
                deadLetterTopics, clock,
                DispatchClock.system(), deadLetterTimeout, defaultGrace, onClosed);
    }

    /** A dispatcher calling {@code handler}, which settles each message itself. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forManualAckHandler(SubscribeOptions options, RawConsumer consumer,
                                                        Class<T> payloadType, ManualAckHandler<T> handler,
                                                        Codecs codecs, String defaultCodec, DeadLetterSink deadLetters,
                                                        UnaryOperator<String> deadLetterTopics, Clock clock,
                                                        Duration deadLetterTimeout, Duration defaultGrace,
                                                        Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, null, null, handler, codecs, defaultCodec, deadLetters,
                deadLetterTopics, clock, DispatchClock.system(), deadLetterTimeout, defaultGrace, onClosed);
    }

    private List<Lane> createLanes() {
        String prefix = "courier-" + options.subscription() + "-worker";
        if (batchHandler != null) {
            return List.of(new Lane(pool(1, prefix), false));
        }
        if (options.ordering() == Ordering.UNORDERED) {
            return List.of(new Lane(pool(options.concurrency(), prefix), false));
        }
        List<Lane> result = new ArrayList<>(options.concurrency());
        for (int i = 0; i < options.concurrency(); i++) {
            // manual acknowledgement keeps the call order per key; settlement order is the handler's
            result.add(new Lane(pool(1, prefix + "-lane" + i), manualHandler == null));
        }
        return List.copyOf(result);
    }

    private ExecutorService pool(int threads, String prefix) {
        // Unbounded queue is safe: the in-flight semaphore bounds what is ever queued.
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> new OwnThread(this, r, prefix + "-" + n.incrementAndGet()));
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

    private boolean receiving() {
        return phase == Phase.RUNNING && !halted;
    }

    // ---------------------------------------------------------------- receiving

    private void receiveLoop() {
        while (receiving()) {
            if (paused) {
                LockSupport.parkNanos(this, POLL_NANOS);
                continue;
            }
            try {
                if (!permits.tryAcquire(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                    continue;
                }
                RawMessage m = receiveOne(POLL_NANOS);
                if (m == null) {
                    permits.release();
                    continue;
                }
                inFlight.incrementAndGet();
                holdWhilePaused();
                Delivery<T> d = new Delivery<>(m, keyOf(m));
                Lane lane = laneOf(d);
                lane.executor.execute(() -> dispatch(d, lane.gate, lane));
            } catch (InterruptedException e) {
                if (!receiving()) {
                    return;
                }
            }
        }
    }

    /**
     * The receiving thread is the handler's thread: it runs due retries first, then receives, waiting no longer than
     * the next retry is due. While draining it only runs what is still in flight.
     */
    private void receiveInlineLoop() {
        while (true) {
            runDueRetries();
            long wait = POLL_NANOS;
            Delivery<T> nextRetry = inlineRetries.peek();
            if (nextRetry != null) {
                wait = Math.max(1, Math.min(wait, nextRetry.dueNanos - clock.nanoTime()));
            }
            boolean receive;
            synchronized (receiveWait) {
                receive = receiving();
                if (!receive && (inFlight.get() == 0 || phase == Phase.ABANDONED || halted)) {
                    return;
                }
                waitingForMessage = true;
            }
            RawMessage m = null;
            try {
                if (receive && !paused && permits.tryAcquire()) {
                    m = receiveOne(wait);
                    if (m == null) {
                        permits.release();
                    }
                } else {
                    LockSupport.parkNanos(this, wait);
                }
            } catch (InterruptedException e) {
                // close() wakes the wait; the loop's head sees the new phase
            }
            synchronized (receiveWait) {
                waitingForMessage = false;
                Thread.interrupted();   // an interrupt meant for the wait must not reach the handler
            }
            if (m != null) {
                inFlight.incrementAndGet();
                holdWhilePaused();
                dispatch(new Delivery<>(m, keyOf(m)), inlineGate, null);
            }
        }
    }

    private void runDueRetries() {
        Delivery<T> d;
        while ((d = inlineRetries.peek()) != null && d.dueNanos - clock.nanoTime() <= 0) {
            inlineRetries.poll();
            runFrom(d, inlineGate, null);
        }
    }

    private void receiveBatchLoop() {
        List<RawMessage> batch = new ArrayList<>();
        long deadline = 0;
        while (receiving()) {
            try {
                if (!batch.isEmpty() && (batch.size() >= options.batchSize() || System.nanoTime() - deadline >= 0)) {
                    submitBatch(batch);
                    batch = new ArrayList<>();
                    continue;
                }
                if (paused && batch.isEmpty()) {
                    LockSupport.parkNanos(this, POLL_NANOS);
                    continue;
                }
                long wait = batch.isEmpty() ? POLL_NANOS : Math.max(1, Math.min(POLL_NANOS, deadline - System.nanoTime()));
                if (paused || !permits.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                    if (paused) {
                        LockSupport.parkNanos(this, wait);
                    }
                    continue;
                }
                RawMessage m = receiveOne(wait);
                if (m == null) {
                    permits.release();
                    continue;
                }
                inFlight.incrementAndGet();
                holdWhilePaused();
                if (batch.isEmpty()) {
                    deadline = System.nanoTime() + options.batchWait().toNanos();
                }
                batch.add(m);
            } catch (InterruptedException e) {
                if (!receiving()) {
                    break;
                }
            }
        }
        if (!batch.isEmpty()) {
            submitBatch(batch);
        }
    }

    /** A message that arrived while pause() was being called waits here, held in flight, until resume or close. */
    private void holdWhilePaused() {
        while (paused && receiving()) {
            LockSupport.parkNanos(this, POLL_NANOS);
        }
    }

    private RawMessage receiveOne(long waitNanos) throws InterruptedException {
        try {
            RawMessage m = consumer.receive(waitNanos, TimeUnit.NANOSECONDS);
            if (receiveFailing) {
                receiveFailing = false;
                LOG.log(Level.INFO, "subscription ''{0}'' on ''{1}'' receives again", options.subscription(),
                        options.topicDescription());
            }
            return m;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!receiving()) {
                return null;
            }
            if (!receiveFailing) {
                LOG.log(Level.WARNING, "subscription '" + options.subscription() + "' on '" + options.topicDescription()
                        + "' cannot receive; retrying", e);
            }
            receiveFailing = true;
            stats.failed(e);
            Thread.sleep(200);
            return null;
        }
    }

    private String keyOf(RawMessage m) {
        switch (options.ordering()) {
            case STRICT:
                return "";
            case PER_KEY:
                return m.key() == null ? "" : m.key();
            default:
                return null;
        }
    }

    private Lane laneOf(Delivery<T> d) {
        if (lanes.size() == 1 || d.key == null) {
            return lanes.get(0);
        }
        return lanes.get(Math.floorMod(d.key.hashCode() * 0x9E3779B9, lanes.size()));
    }

    // ---------------------------------------------------------------- handling

    /** A newly received message, on its lane's thread: it waits behind its key if that key is held, else runs. */
    private void dispatch(Delivery<T> d, KeyGate<Delivery<T>> gate, Lane lane) {
        if (manualHandler != null) {
            startManual(d, lane);
            return;
        }
        if (gate != null && !gate.isEmpty() && gate.parkIfHeld(d.key, d)) {
            return;
        }
        runFrom(d, gate, lane);
    }

    /**
     * Runs {@code d}, then the messages parked behind its key, until one of them must wait for a retry (its key stays
     * held) or none is left (the key is free).
     */
    private void runFrom(Delivery<T> d, KeyGate<Delivery<T>> gate, Lane lane) {
        Delivery<T> next = d;
        while (next != null) {
            Duration backoff = attempt(next);
            if (backoff != null) {
                if (gate != null) {
                    gate.hold(next.key);
                }
                scheduleRetry(next, backoff, lane);
                return;
            }
            next = gate == null || next.key == null ? null : gate.next(next.key);
        }
    }

    private void scheduleRetry(Delivery<T> d, Duration backoff, Lane lane) {
        if (lane == null) {
            d.dueNanos = clock.nanoTime() + backoff.toNanos();
            inlineRetries.add(d);
            return;
        }
clock.schedule(() -> runOn(lane, () -> runFrom(d, lane.gate, lane)), backoff.toNanos());
    }

    /**
     * Attempts {@code d} until it is settled (acknowledged, or finished by the failure policy): returns null; or until
     * it must wait before the next attempt: returns the wait, and {@code d} stays in flight.
     */
    private Duration attempt(Delivery<T> d) {
        boolean settled = true;
        try {
            if (stopped()) {
                return null;
            }
            if (d.message == null) {
                try {
                    d.message = new DeliveredMessage<>(d.raw, options.subscription(), decoder.decode(d.raw), 1);
                } catch (RuntimeException e) {
                    failures.decodeFailed(d.raw, e);
                    return null;
                }
            }
            while (true) {
                DeliveredMessage<T> current = d.message.withAttempt(d.attempt);
                Throwable failure = invoker.invoke(() -> handler.handle(current));
                if (stopped()) {
                    return null;
                }
                if (failure == null) {
                    ack(d.raw);
                    stats.processed.incrementAndGet();
                    return null;
                }
                Duration backoff = failures.afterFailure(List.of(d.raw), d.attempt, failure);
                if (backoff == null) {
                    return null;
                }
                d.attempt++;
                if (!backoff.isZero()) {
                    settled = false;
                    return backoff;
                }
            }
        } finally {
            if (settled) {
                finish(1);
            }
        }
    }

    // ---------------------------------------------------------------- manual acknowledgement

    /** Calls the manual handler for the next attempt of {@code d}; the message stays in flight until settled. */
    private void startManual(Delivery<T> d, Lane lane) {
        if (stopped()) {
            finish(1);
            return;
        }
        if (d.message == null) {
            try {
                d.message = new DeliveredMessage<>(d.raw, options.subscription(), decoder.decode(d.raw), 1);
            } catch (RuntimeException e) {
                try {
                    failures.decodeFailed(d.raw, e);
                } finally {
                    finish(1);
                }
                return;
            }
        }
        Pending p = new Pending(d, lane);
        long timeout = options.handlerTimeout().toNanos();
        if (timeout > 0) {
            p.timeout = clock.schedule(() -> p.settleFailed(new HandlerTimeoutException("handler of subscription '"
                    + options.subscription() + "' on '" + options.topicDescription() + "' did not settle message "
                    + d.raw.id() + " within its timeout of " + options.handlerTimeout()), null), timeout);
        }
        try {
            manualHandler.handle(p);
        } catch (Throwable t) {
            p.settleFailed(t, null);
        }
    }

    private void runOn(Lane lane, Runnable task) {
        try {
            lane.executor.execute(task);
        } catch (RejectedExecutionException e) {
            // the subscription was abandoned at close: the message stays unacknowledged for redelivery
        }
    }

    /** One attempt of a manually acknowledged message; settled once, by the handler or by the timeout. */
    private final class Pending implements PendingMessage<T> {
        private final Delivery<T> d;
        private final DeliveredMessage<T> message;
        private final Lane lane;
        private final AtomicBoolean settled = new AtomicBoolean();
        volatile Future<?> timeout;

        Pending(Delivery<T> d, Lane lane) {
            this.d = d;
            this.message = d.message.withAttempt(d.attempt);
            this.lane = lane;
        }

        @Override
        public boolean ack() {
            if (!settle()) {
                return false;
            }
            if (stopped()) {
                finish(1);
                return false;   // abandoned at close, or the subscription stopped: left for redelivery
            }
            try {
                Dispatcher.this.ack(d.raw);
                stats.processed.incrementAndGet();
            } finally {
                finish(1);
            }
            return true;
        }

        @Override
        public boolean nack(Throwable cause) {
            return settleFailed(Objects.requireNonNull(cause, "cause"), null);
        }

        @Override
        public boolean nack(Duration retryAfter) {
            if (retryAfter == null || retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter must be zero or positive, got " + retryAfter);
            }
            return settleFailed(new NackedException("the handler asked for a retry after " + retryAfter), retryAfter);
        }

        boolean settleFailed(Throwable cause, Duration delay) {
            if (!settle()) {
                return false;
            }
            Duration backoff = null;
            try {
                if (!stopped()) {
                    backoff = failures.afterFailure(List.of(d.raw), d.attempt, cause, delay);
                }
            } finally {
                if (backoff == null) {
                    finish(1);
                }
            }
            if (backoff != null) {
                d.attempt++;
                if (backoff.isZero()) {
                    runOn(lane, () -> startManual(d, lane));
                } else {
                    clock.schedule(() -> runOn(lane, () -> startManual(d, lane)), backoff.toNanos());
                }
            }
            return true;
        }

        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            Future<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            return true;
        }

        @Override
        public boolean isSettled() {
            return settled.get();
        }

        @Override
        public String topic() {
            return message.topic();
        }

        @Override
        public String subscription() {
            return message.subscription();
        }

        @Override
        public MessageId id() {
            return message.id();
        }

        @Override
        public Optional<String> key() {
            return message.key();
        }

        @Override
        public Headers headers() {
            return message.headers();
        }

        @Override
        public T payload() {
            return message.payload();
        }

        @Override
        public Instant publishTime() {
            return message.publishTime();
        }

        @Override
        public Optional<Instant> eventTime() {
            return message.eventTime();
        }

        @Override
        public int redeliveryCount() {
            return message.redeliveryCount();
        }

        @Override
        public int attempt() {
            return message.attempt();
        }

        @Override
        public String toString() {
            return "Pending" + message + (settled.get() ? " (settled)" : "");
        }
    }

    // ---------------------------------------------------------------- batches

    private void submitBatch(List<RawMessage> batch) {
        List<RawMessage> copy = List.copyOf(batch);
        lanes.get(0).executor.execute(() -> processBatch(copy));
    }

    /** A batch holds its lane through its retries: batches are handled one at a time, in the order received. */
    private void processBatch(List<RawMessage> raws) {
        try {
            if (stopped()) {
                return;
            }
            List<DeliveredMessage<T>> decoded = new ArrayList<>(raws.size());
            List<RawMessage> good = new ArrayList<>(raws.size());
            for (RawMessage raw : raws) {
                try {
                    decoded.add(new DeliveredMessage<>(raw, options.subscription(), decoder.decode(raw), 1));
                    good.add(raw);
                } catch (RuntimeException e) {
                    failures.decodeFailed(raw, e);
                }
            }
            if (decoded.isEmpty()) {
                return;
            }
            for (int attempt = 1; ; attempt++) {
                List<Message<T>> batch = new ArrayList<>(decoded.size());
                for (DeliveredMessage<T> m : decoded) {
                    batch.add(m.withAttempt(attempt));
                }
                List<Message<T>> view = Collections.unmodifiableList(batch);
                Throwable failure = invoker.invoke(() -> batchHandler.handle(view));
                if (stopped()) {
                    return;
                }
                if (failure == null) {
                    for (RawMessage raw : good) {
                        ack(raw);
                    }
                    stats.processed.addAndGet(good.size());
                    return;
                }
                Duration backoff = failures.afterFailure(good, attempt, failure);
                if (backoff == null || !sleep(backoff) || stopped()) {
                    return;
                }
            }
        } finally {
            finish(raws.size());
        }
    }

    private static boolean sleep(Duration d) {
        try {
            if (!d.isZero()) {
                Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Nothing more is handled or acknowledged: abandoned at close (or closed since), or halted by the policy. */
    private boolean stopped() {
        return phase.compareTo(Phase.ABANDONED) >= 0 || halted;
    }

    private void finish(int count) {
        int left = inFlight.addAndGet(-count);
        permits.release(count);
        stats.touched();
        if (left == 0 && phase != Phase.RUNNING) {
            synchronized (lifecycle) {
                lifecycle.notifyAll();
            }
        }
    }

    private void ack(RawMessage raw) {
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
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        boolean drained;
        try {
            if (inline) {
                drained = stopInlineReceiver(deadline);
            } else {
                receiver.interrupt();
                joinQuietly(receiver, deadline);
                drained = awaitNothingInFlight(deadline);
                for (Lane lane : lanes) {
                    lane.executor.shutdown();
                }
                for (Lane lane : lanes) {
                    long left = deadline - System.nanoTime();
                    if (!lane.executor.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                        drained = false;
                    }
                }
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
                for (Lane lane : lanes) {
                    lane.executor.shutdownNow();
                }
            }
            LOG.log(Level.WARNING, "subscription ''{0}'' on ''{1}'' did not drain within {2}: {3} message(s) left "
                    + "unacknowledged for redelivery", options.subscription(), options.topicDescription(), grace,
                    inFlight.get());
            if (inline) {
                receiver.interrupt();   // as shutdownNow() interrupts a lane's worker: its handler's result is ignored
            }
        }
        consumer.close();
        synchronized (lifecycle) {
            drainedAtClose = drained;
            phase = Phase.CLOSED;
            lifecycle.notifyAll();
        }
        onClosed.run();
        return drained;
    }

    private boolean awaitNothingInFlight(long deadlineNanos) throws InterruptedException {
        synchronized (lifecycle) {
            while (inFlight.get() > 0 && !halted) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
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

    /** Wakes an inline receiver that waits and gives it until the deadline to finish what is in flight. */
    private boolean stopInlineReceiver(long deadlineNanos) throws InterruptedException {
        synchronized (receiveWait) {
            if (waitingForMessage) {
                receiver.interrupt();
            }
        }
        long left = deadlineNanos - System.nanoTime();
        receiver.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        return !receiver.isAlive();
    }

    private static void joinQuietly(Thread t, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.max(left, TimeUnit.SECONDS.toNanos(1)))));
    }

    @Override
    public String toString() {
        return "Subscription{" + options.topicDescription() + ", " + options.subscription() + ", " + state() + "}";
    }
}
