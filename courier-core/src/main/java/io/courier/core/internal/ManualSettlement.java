package io.courier.core.internal;

import io.courier.HandlerTimeoutException;
import io.courier.Headers;
import io.courier.ManualAckHandler;
import io.courier.MessageId;
import io.courier.NackedException;
import io.courier.PendingMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The path of a message to a {@link ManualAckHandler}: the handler gets a {@link PendingMessage} and settles it when
 * it likes, on any thread; until then the message holds its in-flight permit, and the handler timeout (run on the
 * {@link DispatchClock}) settles it as failed if nothing else does first. A failure goes through the same
 * {@link FailureHandling}; a retry is scheduled on the lane. Thread-safe.
 */
final class ManualSettlement<T> {
    private final SubscriptionRuntime runtime;
    private final PayloadDecoder<T> decoder;
    private final FailureHandling failures;
    private final ManualAckHandler<T> handler;

    ManualSettlement(SubscriptionRuntime runtime, PayloadDecoder<T> decoder, FailureHandling failures,
                     ManualAckHandler<T> handler) {
        this.runtime = runtime;
        this.decoder = decoder;
        this.failures = failures;
        this.handler = handler;
    }

    /** Calls the manual handler for the next attempt of {@code d}; the message stays in flight until settled. */
    void start(Delivery<T> d, Lanes.Lane<T> lane) {
        if (runtime.stopped()) {
            runtime.finish(1);
            return;
        }
        if (d.message == null) {
            try {
                d.message = new DeliveredMessage<>(d.raw, runtime.options.subscription(), decoder.decode(d.raw), 1);
            } catch (RuntimeException e) {
                try {
                    failures.decodeFailed(d.raw, e);
                } finally {
                    runtime.finish(1);
                }
                return;
            }
        }
        Pending p = new Pending(d, lane);
        long timeout = runtime.options.handlerTimeout().toNanos();
        if (timeout > 0) {
            p.timeout = runtime.clock.schedule(() -> p.settleFailed(new HandlerTimeoutException("handler of subscription '"
                    + runtime.options.subscription() + "' on '" + runtime.options.topicDescription() + "' did not settle message "
                    + d.raw.id() + " within its timeout of " + runtime.options.handlerTimeout()), null), timeout);
        }
        try {
            handler.handle(p);
        } catch (Throwable t) {
            p.settleFailed(t, null);
        }
    }

    /** One attempt of a manually acknowledged message; settled once, by the handler or by the timeout. */
    private final class Pending implements PendingMessage<T> {
        private final Delivery<T> d;
        private final DeliveredMessage<T> message;
        private final Lanes.Lane<T> lane;
        private final AtomicBoolean settled = new AtomicBoolean();
        volatile Future<?> timeout;

        Pending(Delivery<T> d, Lanes.Lane<T> lane) {
            this.d = d;
            this.message = d.message.withAttempt(d.attempt);
            this.lane = lane;
        }

        @Override
        public boolean ack() {
            if (!settle()) {
                return false;
            }
            if (runtime.stopped()) {
                runtime.finish(1);
                return false;   // abandoned at close, or the subscription stopped: left for redelivery
            }
            try {
                runtime.ack(d.raw);
                runtime.stats.processed.incrementAndGet();
            } finally {
                runtime.finish(1);
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
                if (!runtime.stopped()) {
                    backoff = failures.afterFailure(List.of(d.raw), d.attempt, cause, delay);
                }
            } finally {
                if (backoff == null) {
                    runtime.finish(1);
                }
            }
            if (backoff != null) {
                d.attempt++;
                if (backoff.isZero()) {
                    Lanes.run(lane, () -> start(d, lane));
                } else if (failures.viaRetryTopic(backoff)
                        && failures.sendToRetryTopic(d.raw, d.attempt, backoff)) {
                    runtime.finish(1);   // acknowledged here; it comes back through the retry topic
                } else {
                    runtime.retryWaiting();
                    runtime.clock.schedule(() -> {
                        runtime.retryDue();
                        Lanes.runFirst(lane, () -> start(d, lane));
                    }, backoff.toNanos());
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
}
