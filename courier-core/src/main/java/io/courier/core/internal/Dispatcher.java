package io.courier.core.internal;

import io.courier.BatchHandler;
import io.courier.Codec;
import io.courier.CodecException;
import io.courier.DeadLetter;
import io.courier.Handler;
import io.courier.HandlerTimeoutException;
import io.courier.Headers;
import io.courier.Message;
import io.courier.NonRetryableException;
import io.courier.Ordering;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one {@link RawConsumer} for one handler: bounded in-flight receive, STRICT / PER_KEY / UNORDERED dispatch,
 * decode, the failure policy (retry with backoff, then dead-letter and ack), handler timeouts, pause and a draining
 * close. Every backend shares it, so every backend has the same semantics.
 */
public final class Dispatcher<T> implements Subscription {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int MAX_REASON_LENGTH = 1024;

    /** Where dead letters go: the broker's raw publish. */
    @FunctionalInterface
    public interface DeadLetterSink {
        CompletableFuture<?> send(OutboundMessage message);
    }

    private final SubscribeOptions options;
    private final RawConsumer consumer;
    private final Class<T> payloadType;
    private final Handler<T> handler;
    private final BatchHandler<T> batchHandler;
    private final Codecs codecs;
    private final Codec overrideCodec;
    private final Codec defaultCodec;
    private final DeadLetterSink deadLetters;
    private final Clock clock;
    private final Duration deadLetterTimeout;
    private final Runnable onClosed;
    private final Duration defaultGrace;

    private final Semaphore permits;
    /**
     * Concurrency 1 without a batch handler: the receiving thread runs the handler itself. Handing each message to a
     * second thread (a queue offer and often a wake-up per message) was one of the two costs, with eager header
     * copies, that held concurrency-1 consume near 0.6 x the raw client; with one handler at a time the order is the
     * receive order either way.
     */
    private final boolean inline;
    private final ExecutorService[] lanes;
    private final Thread receiver;
    /** Guards {@link #waitingForMessage}, so that close interrupts an inline receiver's wait but never its handler. */
    private final Object receiveWait = new Object();
    private boolean waitingForMessage;

    private final Object lifecycle = new Object();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean closing;
    private volatile boolean hardStopped;
    private volatile boolean closed;
    private volatile boolean failed;
    private boolean drainedAtClose;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile Instant lastActivity;
    private volatile String lastError;

    private Dispatcher(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType, Handler<T> handler,
                       BatchHandler<T> batchHandler, Codecs codecs, String defaultCodecName,
                       DeadLetterSink deadLetters, Clock clock, Duration deadLetterTimeout, Duration defaultGrace,
                       Runnable onClosed) {
        this.options = options;
        this.defaultGrace = defaultGrace;
        this.consumer = consumer;
        this.payloadType = payloadType;
        this.handler = handler;
        this.batchHandler = batchHandler;
        this.codecs = codecs;
        this.overrideCodec = options.codec().map(codecs::byName).orElse(null);
        this.defaultCodec = codecs.byName(defaultCodecName);
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.deadLetterTimeout = deadLetterTimeout;
        this.onClosed = onClosed;
        this.permits = new Semaphore(options.maxInFlight());
        this.inline = batchHandler == null && options.concurrency() == 1;
        this.lanes = inline ? new ExecutorService[0] : createLanes();
        String name = "courier-" + options.subscription();
        Runnable loop = inline ? this::receiveInlineLoop : batchHandler == null ? this::receiveLoop : this::receiveBatchLoop;
        this.receiver = new OwnThread(this, loop, name + (inline ? "-worker" : "-receiver"));
        this.lastActivity = clock.instant();
    }

    /** A dispatcher calling {@code handler} for each message. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                               Handler<T> handler, Codecs codecs, String defaultCodec,
                                               DeadLetterSink deadLetters, Clock clock, Duration deadLetterTimeout,
                                               Duration defaultGrace, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, handler, null, codecs, defaultCodec, deadLetters, clock,
                deadLetterTimeout, defaultGrace, onClosed);
    }

    /** A dispatcher calling {@code handler} with batches. Call {@link #start()} to begin. */
    public static <T> Dispatcher<T> forBatchHandler(SubscribeOptions options, RawConsumer consumer, Class<T> payloadType,
                                                    BatchHandler<T> handler, Codecs codecs, String defaultCodec,
                                                    DeadLetterSink deadLetters, Clock clock, Duration deadLetterTimeout,
                                                    Duration defaultGrace, Runnable onClosed) {
        return new Dispatcher<>(options, consumer, payloadType, null, handler, codecs, defaultCodec, deadLetters, clock,
                deadLetterTimeout, defaultGrace, onClosed);
    }

    private ExecutorService[] createLanes() {
        String prefix = "courier-" + options.subscription() + "-worker";
        boolean parallelPool = options.ordering() == Ordering.UNORDERED;
        if (parallelPool || batchHandler != null) {
            int threads = parallelPool ? options.concurrency() : 1;
            return new ExecutorService[] {pool(threads, prefix)};
        }
        ExecutorService[] result = new ExecutorService[options.concurrency()];
        for (int i = 0; i < result.length; i++) {
            result[i] = pool(1, prefix + "-lane" + i);
        }
        return result;
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
            running = true;
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
                processed.get(), failedAttempts.get(), retried.get(), deadLettered.get(), lastActivity, lastError);
    }

    private SubscriptionState state() {
        if (closed) {
            return SubscriptionState.CLOSED;
        }
        if (closing) {
            return SubscriptionState.CLOSING;
        }
        if (failed) {
            return SubscriptionState.FAILED;
        }
        if (inFlight.get() > 0 && Duration.between(lastActivity, clock.instant()).compareTo(options.stallThreshold()) > 0) {
            return SubscriptionState.STALLED;
        }
        return paused ? SubscriptionState.PAUSED : SubscriptionState.RUNNING;
    }

    // ---------------------------------------------------------------- receiving

    private void receiveLoop() {
        while (running) {
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
                lane(m).execute(() -> process(m));
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void receiveInlineLoop() {
        while (true) {
            synchronized (receiveWait) {
                if (!running) {
                    return;
                }
                waitingForMessage = true;
            }
            RawMessage m = null;
            try {
                if (paused) {
                    LockSupport.parkNanos(this, POLL_NANOS);
                } else if (permits.tryAcquire()) {
                    m = receiveOne(POLL_NANOS);
                    if (m == null) {
                        permits.release();
                    }
                }
            } catch (InterruptedException e) {
                // close() wakes the wait; the loop's head sees running == false
            }
            synchronized (receiveWait) {
                waitingForMessage = false;
                Thread.interrupted();   // an interrupt meant for the wait must not reach the handler
            }
            if (m != null) {
                inFlight.incrementAndGet();
                holdWhilePaused();
                process(m);
            }
        }
    }

    private void receiveBatchLoop() {
        List<RawMessage> batch = new ArrayList<>();
        long deadline = 0;
        while (running) {
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
                if (!running) {
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
        while (paused && running) {
            LockSupport.parkNanos(this, POLL_NANOS);
        }
    }

    private RawMessage receiveOne(long waitNanos) throws InterruptedException {
        try {
            RawMessage m = consumer.receive(waitNanos, TimeUnit.NANOSECONDS);
            if (failed) {
                failed = false;
                LOG.log(Level.INFO, "subscription ''{0}'' on ''{1}'' receives again", options.subscription(),
                        options.topicDescription());
            }
            return m;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!running) {
                return null;
            }
            if (!failed) {
                LOG.log(Level.WARNING, "subscription '" + options.subscription() + "' on '" + options.topicDescription()
                        + "' cannot receive; retrying", e);
            }
            failed = true;
            lastError = describe(e);
            Thread.sleep(200);
            return null;
        }
    }

    private void submitBatch(List<RawMessage> batch) {
        List<RawMessage> copy = List.copyOf(batch);
        lanes[0].execute(() -> processBatch(copy));
    }

    private ExecutorService lane(RawMessage m) {
        if (lanes.length == 1) {
            return lanes[0];
        }
        String key = m.key() == null ? "" : m.key();
        return lanes[Math.floorMod(key.hashCode() * 0x9E3779B9, lanes.length)];
    }

    // ---------------------------------------------------------------- handling

    private void process(RawMessage raw) {
        try {
            if (hardStopped) {
                return;
            }
            DeliveredMessage<T> message;
            try {
                message = new DeliveredMessage<>(raw, options.subscription(), decode(raw), 1);
            } catch (RuntimeException e) {
                failedAttempts.incrementAndGet();
                lastError = describe(e);
                deadLetter(raw, DeadLetter.REASON_DECODE, 0, e);
                return;
            }
            for (int attempt = 1; ; attempt++) {
                DeliveredMessage<T> current = message.withAttempt(attempt);
                Throwable failure = invoke(() -> handler.handle(current));
                if (hardStopped) {
                    return;
                }
                if (failure == null) {
                    ack(raw);
                    processed.incrementAndGet();
                    return;
                }
                if (!retryOrDeadLetter(List.of(raw), attempt, failure)) {
                    return;
                }
            }
        } finally {
            finish(1);
        }
    }

    private void processBatch(List<RawMessage> raws) {
        try {
            if (hardStopped) {
                return;
            }
            List<DeliveredMessage<T>> decoded = new ArrayList<>(raws.size());
            List<RawMessage> good = new ArrayList<>(raws.size());
            for (RawMessage raw : raws) {
                try {
                    decoded.add(new DeliveredMessage<>(raw, options.subscription(), decode(raw), 1));
                    good.add(raw);
                } catch (RuntimeException e) {
                    failedAttempts.incrementAndGet();
                    lastError = describe(e);
                    deadLetter(raw, DeadLetter.REASON_DECODE, 0, e);
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
                List<Message<T>> view = java.util.Collections.unmodifiableList(batch);
                Throwable failure = invoke(() -> batchHandler.handle(view));
                if (hardStopped) {
                    return;
                }
                if (failure == null) {
                    for (RawMessage raw : good) {
                        ack(raw);
                    }
                    processed.addAndGet(good.size());
                    return;
                }
                if (!retryOrDeadLetter(good, attempt, failure)) {
                    return;
                }
            }
        } finally {
            finish(raws.size());
        }
    }

    /** Records a failed attempt; dead-letters and returns false when the policy gives up, else waits the backoff. */
    private boolean retryOrDeadLetter(List<RawMessage> raws, int attempt, Throwable failure) {
        failedAttempts.incrementAndGet();
        lastError = describe(failure);
        String reason = null;
        if (failure instanceof NonRetryableException) {
            reason = DeadLetter.REASON_NON_RETRYABLE;
        } else if (attempt >= options.retry().maxAttempts()) {
            reason = failure instanceof HandlerTimeoutException ? DeadLetter.REASON_TIMEOUT : DeadLetter.REASON_HANDLER;
        }
        if (reason != null) {
            for (RawMessage raw : raws) {
                deadLetter(raw, reason, attempt, failure);
            }
            return false;
        }
        Duration backoff = options.retry().backoffAfter(attempt, ThreadLocalRandom.current().nextDouble());
        try {
            if (!backoff.isZero()) {
                Thread.sleep(backoff.toMillis(), backoff.toNanosPart() % 1_000_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (hardStopped) {
            return false;
        }
        retried.incrementAndGet();
        return true;
    }

    private void finish(int count) {
        inFlight.addAndGet(-count);
        permits.release(count);
        lastActivity = clock.instant();
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** Runs one attempt under the handler timeout; returns its failure, or null on success. */
    private Throwable invoke(Call call) {
        long timeout = options.handlerTimeout().toNanos();
        if (timeout == 0) {
            try {
                call.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }
        Watchdog dog = new Watchdog(Thread.currentThread());
        ScheduledFuture<?> alarm = Timers.shared().schedule(dog, timeout, TimeUnit.NANOSECONDS);
        Throwable failure = null;
        try {
            call.run();
        } catch (Throwable t) {
            failure = t;
        }
        alarm.cancel(false);
        if (!dog.finish()) {
            return new HandlerTimeoutException("handler of subscription '" + options.subscription() + "' on '"
                    + options.topicDescription() + "' ran past its timeout of " + options.handlerTimeout());
        }
        return failure;
    }

    /** Interrupts a handler that runs past its timeout; the handler's own result is then ignored. */
    private static final class Watchdog implements Runnable {
        private final Thread worker;
        private boolean done;
        private boolean fired;

        Watchdog(Thread worker) {
            this.worker = worker;
        }

        @Override
        public synchronized void run() {
            if (!done) {
                fired = true;
                worker.interrupt();
            }
        }

        /** Marks the attempt finished; false when the watchdog fired first (its interrupt is then cleared). */
        synchronized boolean finish() {
            done = true;
            if (fired) {
                Thread.interrupted();
                return false;
            }
            return true;
        }
    }

    private T decode(RawMessage raw) {
        Codec codec = overrideCodec;
        if (codec == null && payloadType == byte[].class) {
            // the bytes as sent: decoding JSON into byte[] would expect base64 and dead-letter every message
            return payloadType.cast(raw.payload());
        }
        if (codec == null) {
            String contentType = raw.headers().get(Headers.CONTENT_TYPE);
            if (contentType != null) {
                codec = codecs.byContentType(contentType);
                if (codec == null) {
                    throw new CodecException("no codec for content-type '" + contentType + "' of message " + raw.id()
                            + "; available codecs: " + codecs.names());
                }
            } else {
                codec = defaultCodec;
            }
        }
        Object value = codec.decode(raw.payload(), payloadType);
        if (value == null) {
            throw new CodecException(codec.name() + ": decoded null for message " + raw.id());
        }
        if (!payloadType.isInstance(value)) {
            throw new CodecException(codec.name() + ": decoded a " + value.getClass().getName() + " for message "
                    + raw.id() + ", the handler takes " + payloadType.getName());
        }
        return payloadType.cast(value);
    }

    private void ack(RawMessage raw) {
        if (!hardStopped) {
            consumer.ack(raw);
        }
    }

    private void deadLetter(RawMessage raw, String reason, int attempts, Throwable cause) {
        if (hardStopped) {
            return;
        }
        String text = String.valueOf(cause.getMessage());
        if (text.length() > MAX_REASON_LENGTH) {
            text = text.substring(0, MAX_REASON_LENGTH);
        }
        Headers headers = raw.headers().toBuilder()
                .put(DeadLetter.REASON, reason)
                .put(DeadLetter.ORIGINAL_TOPIC, raw.topic())
                .put(DeadLetter.SUBSCRIPTION, options.subscription())
                .put(DeadLetter.MESSAGE_ID, raw.id().value())
                .put(DeadLetter.ATTEMPTS, Integer.toString(attempts))
                .put(DeadLetter.EXCEPTION_CLASS, cause.getClass().getName())
                .put(DeadLetter.EXCEPTION_MESSAGE, text)
                .put(DeadLetter.TIME, clock.instant().toString())
                .build();
        String topic = options.deadLetterTopicFor(raw.topic());
        try {
            deadLetters.send(new OutboundMessage(topic, raw.payload(), raw.key(), headers, null, raw.eventTime()))
                    .get(deadLetterTimeout.toNanos(), TimeUnit.NANOSECONDS);
            ack(raw);
            deadLettered.incrementAndGet();
            LOG.log(Level.WARNING, "message {0} of subscription ''{1}'' on ''{2}'' sent to dead-letter topic ''{3}'' "
                    + "after {4} attempt(s): {5}: {6}", raw.id(), options.subscription(), raw.topic(), topic, attempts,
                    reason, describe(cause));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            lastError = "dead-letter publish to '" + topic + "' failed: " + describe(e);
            LOG.log(Level.ERROR, "cannot dead-letter message " + raw.id() + " of subscription '" + options.subscription()
                    + "' to '" + topic + "'; handing it back to the broker for redelivery", e);
            if (!hardStopped) {
                consumer.nack(raw);
            }
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        if (root instanceof java.util.concurrent.ExecutionException && root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getName() + ": " + root.getMessage();
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
     * handler returns normally (as every in-flight message is within the grace).
     */
    @Override
    public boolean close(Duration grace) {
        synchronized (lifecycle) {
            if (closed || closing) {
                return ownsCurrentThread() ? closed && drainedAtClose : awaitClosed();
            }
            closing = true;
            running = false;
        }
        if (ownsCurrentThread()) {
            Closing.inBackground("courier-close-" + options.subscription(), () -> closeNow(grace));
            return false;
        }
        return closeNow(grace);
    }

    private boolean closeNow(Duration grace) {
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        boolean drained = true;
        try {
            if (inline) {
                drained = stopInlineReceiver(deadline);
            } else {
                receiver.interrupt();
                joinQuietly(receiver, deadline);
            }
            for (ExecutorService lane : lanes) {
                lane.shutdown();
            }
            for (ExecutorService lane : lanes) {
                long left = deadline - System.nanoTime();
                if (!lane.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    drained = false;
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
            hardStopped = true;
            int dropped = 0;
            for (ExecutorService lane : lanes) {
                dropped += lane.shutdownNow().size();
            }
            LOG.log(Level.WARNING, "subscription ''{0}'' on ''{1}'' did not drain within {2}: {3} message(s) left "
                    + "unacknowledged for redelivery", options.subscription(), options.topicDescription(), grace,
                    inFlight.get());
            if (dropped > 0) {
                inFlight.addAndGet(-dropped);
            }
            if (inline) {
                receiver.interrupt();   // as shutdownNow() interrupts a lane's worker: its handler's result is ignored
            }
        }
        consumer.close();
        synchronized (lifecycle) {
            drainedAtClose = drained;
            closed = true;
            lifecycle.notifyAll();
        }
        onClosed.run();
        return drained;
    }

    private boolean awaitClosed() {
        synchronized (lifecycle) {
            while (!closed) {
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

    /** Wakes an inline receiver that waits for a message and gives its handler until the deadline; true if it ended. */
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
