package io.courier.core.internal;

import io.courier.core.spi.RawMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The loop of a subscription's receiving thread, one of three: handing each message to a lane; handling it on the
 * receiving thread itself (concurrency 1, one message at a time), its waiting retries run first when due; or filling
 * batches until they are full or their wait is over, on the clock. Each runs while the subscription receives.
 */
final class ReceiveLoops {
    private ReceiveLoops() {
    }

    /** Receives and hands each message to its lane, where {@code dispatch} runs it. */
    static <T> Runnable toLanes(Receiving in, SubscriptionRuntime runtime, Lanes<T> lanes,
                                BiConsumer<Delivery<T>, Lanes.Lane<T>> dispatch) {
        return () -> {
            while (runtime.receiving() || runtime.paused()) {
                try {
                    RawMessage m = in.next(Receiving.POLL_NANOS);
                    if (m != null) {
                        Delivery<T> d = new Delivery<>(m, Receiving.keyOf(runtime.options.ordering(), m));
                        Lanes.Lane<T> lane = lanes.of(d);
                        Lanes.run(lane, () -> dispatch.accept(d, lane));
                    }
                } catch (InterruptedException e) {
                    // a close: the loop's condition sees it
                }
            }
        };
    }

    /**
     * The receiving thread is the handler's thread: it runs due retries first, then receives, waiting no longer than
     * the next retry is due. While draining it only runs what is still in flight.
     */
    static <T> Runnable inline(Receiving in, SubscriptionRuntime runtime, SingleAttempts<T> attempts) {
        KeyGate<Delivery<T>> gate = runtime.options.ordering() == io.courier.Ordering.UNORDERED ? null : new KeyGate<>();
        return () -> {
            boolean going = true;
            while (going) {
                attempts.runDueRetries(gate);
                going = in.turn(attempts.nanosToNextRetry(Receiving.POLL_NANOS),
                        () -> runtime.inFlight() == 0 || runtime.stopped(),
                        m -> attempts.dispatch(new Delivery<>(m, Receiving.keyOf(runtime.options.ordering(), m)), gate, null));
            }
        };
    }

    /** Fills batches up to the batch size or until the first message of a batch has waited the batch wait. */
    static <T> Runnable batches(Receiving in, SubscriptionRuntime runtime, BatchAttempts<T> batches) {
        int size = runtime.options.batchSize();
        long waitNanos = runtime.options.batchWait().toNanos();
        DispatchClock clock = runtime.clock;
        return () -> {
            List<RawMessage> batch = new ArrayList<>();
            long due = 0;
            while (runtime.receiving() || runtime.paused()) {
                if (!batch.isEmpty() && (batch.size() >= size || clock.nanoTime() - due >= 0)) {
                    batches.submit(batch);
                    batch = new ArrayList<>();
                    continue;
                }
                long wait = batch.isEmpty() ? Receiving.POLL_NANOS
                        : Math.max(1, Math.min(Receiving.POLL_NANOS, due - clock.nanoTime()));
                try {
                    RawMessage m = in.next(wait);
                    if (m != null) {
                        if (batch.isEmpty()) {
                            due = clock.nanoTime() + waitNanos;
                        }
                        batch.add(m);
                    }
                } catch (InterruptedException e) {
                    // a close: the loop's condition sees it
                }
            }
            if (!batch.isEmpty()) {
                batches.submit(batch);
            }
        };
    }
}
