package io.courier.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Backoff;
import io.courier.BatchHandler;
import io.courier.DeadLetter;
import io.courier.HandlerTimeoutException;
import io.courier.Message;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionState;
import io.courier.core.AwaitState;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.TenantNamespaceNaming;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batch path against a fake consumer and a clock moved by hand: batches close on size or on their wait, a failed
 * batch waits its backoff on the clock while holding its lane, a poison message leaves its batch alone, a batch past
 * its timeout is retried, and a close during a backoff leaves the batch for redelivery. No broker, no sleeps.
 */
class BatchDispatchTest {
    private static final Duration WAIT = Duration.ofMillis(200);

    private final FakeConsumer consumer = new FakeConsumer();
    private final ManualClock clock = new ManualClock();
    private final List<OutboundMessage> deadLetters = new CopyOnWriteArrayList<>();
    /** Each handler call: the batch's payloads and its attempt, e.g. {@code [a, b]#1}. */
    private final List<String> batches = new CopyOnWriteArrayList<>();
    private final List<Dispatcher<?>> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (Dispatcher<?> d : opened) {
            d.close(Duration.ZERO);
        }
    }

    private SubscribeOptions.Builder options(int size, RetryPolicy retry) {
        return SubscribeOptions.builder("orders", "saver").batchSize(size).batchWait(WAIT).retry(retry);
    }

    private Dispatcher<String> start(SubscribeOptions options, BatchHandler<String> handler) {
        Dispatcher.Wiring wiring = new Dispatcher.Wiring(Codecs.standard(), "text", m -> {
            deadLetters.add(m);
            return CompletableFuture.completedFuture(null);
        }, topic -> TenantNamespaceNaming.instance().deadLetterTopic(topic, options.subscription()), null,
                Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Dispatcher<String> d = new Dispatcher<>(options, consumer, String.class, new HandlerKind.Batch<>(batch -> {
            batches.add(batch.stream().map(Message::payload).toList() + "#" + batch.get(0).attempt());
            handler.handle(batch);
        }), wiring, clock, () -> { });
        opened.add(d);
        d.start();
        return d;
    }

    private void deliver(String... payloads) {
        for (String p : payloads) {
            consumer.deliver("k", p);
        }
    }

    @Test
    void aFullBatchGoesAtOnceAndAPartOneWhenItsWaitIsOverOnTheClock() {
        Dispatcher<String> d = start(options(3, RetryPolicy.none()).build(), batch -> { });
        deliver("a", "b", "c", "d");
        AwaitState.until(() -> consumer.acked.size() == 3);
        assertThat(batches).containsExactly("[a, b, c]#1");
        AwaitState.until(() -> d.health().inFlight() == 1);
        assertThat(batches).hasSize(1);   // "d" waits for its batch's wait, on the clock
        clock.advance(WAIT);
        AwaitState.until(() -> consumer.acked.size() == 4);
        assertThat(batches).containsExactly("[a, b, c]#1", "[d]#1");
    }

    @Test
    void aFailedBatchWaitsItsBackoffOnTheClockHoldingItsLaneThenSucceeds() {
        AtomicBoolean failOnce = new AtomicBoolean(true);
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofSeconds(5))).build();
        Dispatcher<String> d = start(options(2, policy).build(), batch -> {
            if (failOnce.getAndSet(false)) {
                throw new IllegalStateException("database down");
            }
        });
        deliver("a", "b", "c", "d");
        AwaitState.until(() -> clock.sleepers() == 1);
        assertThat(batches).containsExactly("[a, b]#1");
        assertThat(d.waitingRetries()).isEqualTo(1);
        assertThat(consumer.acked).isEmpty();   // the next batch waits behind the one backing off
        clock.advance(Duration.ofSeconds(5));
        AwaitState.until(() -> consumer.acked.size() == 4);
        assertThat(batches).containsExactly("[a, b]#1", "[a, b]#2", "[c, d]#1");
        assertThat(consumer.acked).containsExactly("a", "b", "c", "d");
        assertThat(d.health().retried()).isEqualTo(1);
    }

    @Test
    void aPoisonMessageGoesToTheDeadLetterTopicAloneAndTheRestOfItsBatchIsHandled() {
        Dispatcher<String> d = start(options(3, RetryPolicy.none()).build(), batch -> { });
        consumer.deliver("k", "a");
        consumer.deliver("k", "garbage", "application/x-unknown");
        consumer.deliver("k", "c");
        AwaitState.until(() -> consumer.acked.size() == 3);
        assertThat(batches).containsExactly("[a, c]#1");
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_DECODE);
        assertThat(d.health().deadLettered()).isEqualTo(1);
    }

    @Test
    void aBatchPastItsTimeoutIsInterruptedAndRetried() {
        CountDownLatch stuck = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ZERO)).build();
        start(options(2, policy).handlerTimeout(Duration.ofSeconds(1)).failureListener(new io.courier.FailureListener() {
            @Override
            public void onRetry(io.courier.FailureEvent e) {
                failures.add(e.failure());
            }
        }).build(), batch -> {
            if (batch.get(0).attempt() == 1) {
                stuck.countDown();
                new CountDownLatch(1).await();   // until the watchdog interrupts it
            }
        });
        deliver("a", "b");
        AwaitState.until(() -> stuck.getCount() == 0 && clock.pending() == 1);
        clock.advance(Duration.ofSeconds(1));
        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(batches).containsExactly("[a, b]#1", "[a, b]#2");
        assertThat(failures).as("one retry event per message of the batch").hasSize(2)
                .allMatch(HandlerTimeoutException.class::isInstance);
    }

    @Test
    void aCloseDuringABatchBackoffLeavesTheBatchUnacknowledgedForRedelivery() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofSeconds(5))).build();
        Dispatcher<String> d = start(options(2, policy).build(), batch -> {
            throw new IllegalStateException("database down");
        });
        deliver("a", "b");
        AwaitState.until(() -> clock.sleepers() == 1);
        assertThat(d.close(Duration.ofMillis(100))).as("drained").isFalse();
        assertThat(batches).containsExactly("[a, b]#1");
        assertThat(consumer.acked).isEmpty();
        assertThat(consumer.nacked).isEmpty();
        assertThat(consumer.closed).isTrue();
        assertThat(d.health().state()).isEqualTo(SubscriptionState.CLOSED);
        AwaitState.until(() -> clock.sleepers() == 0);   // the close interrupted the lane's backoff
    }
}
