package io.courier.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.AfterLastAttempt;
import io.courier.Backoff;
import io.courier.DeadLetter;
import io.courier.FailureEvent;
import io.courier.FailureListener;
import io.courier.Handler;
import io.courier.HandlerTimeoutException;
import io.courier.ManualAckHandler;
import io.courier.NonRetryableException;
import io.courier.Ordering;
import io.courier.PendingMessage;
import io.courier.RetryLetter;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionState;
import io.courier.core.AwaitState;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.TenantNamespaceNaming;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher against a fake consumer and a clock moved by hand: no broker, no sleeps. Each test says which
 * dispatch mode it covers: inline (concurrency 1, the receiving thread handles), lanes (PER_KEY, concurrency > 1) or
 * pool (UNORDERED).
 */
class DispatcherTest {
    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    private final FakeConsumer consumer = new FakeConsumer();
    private final ManualClock clock = new ManualClock();
    private final List<OutboundMessage> deadLetters = new CopyOnWriteArrayList<>();
    private final AtomicBoolean deadLetterPublishFails = new AtomicBoolean();
    /** "payload#attempt" for every handler call, in call order. */
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<FailureEvent> eventDetails = new CopyOnWriteArrayList<>();
    private final List<Dispatcher<?>> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (Dispatcher<?> d : opened) {
            d.close(Duration.ZERO);
        }
    }

    private SubscribeOptions.Builder options(RetryPolicy retry) {
        return SubscribeOptions.builder("orders", "saver").retry(retry).failureListener(new Recorder());
    }

    private static RetryPolicy fixedBackoff(Duration delay) {
        return RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(delay)).build();
    }

    private Dispatcher<String> start(SubscribeOptions options, Handler<String> handler) {
        Dispatcher<String> d = new Dispatcher<>(options, consumer, String.class, new HandlerKind.Single<>(message -> {
            handled.add(message.payload() + "#" + message.attempt());
            handler.handle(message);
        }), wiring(options), clock, () -> { });
        opened.add(d);
        d.start();
        return d;
    }

    private Dispatcher<String> startManual(SubscribeOptions options, ManualAckHandler<String> handler) {
        Dispatcher<String> d = new Dispatcher<>(options, consumer, String.class, new HandlerKind.Manual<>(message -> {
            handled.add(message.payload() + "#" + message.attempt());
            handler.handle(message);
        }), wiring(options), clock, () -> { });
        opened.add(d);
        d.start();
        return d;
    }

    private Dispatcher.Wiring wiring(SubscribeOptions options) {
        return new Dispatcher.Wiring(Codecs.standard(), "text", this::sendDeadLetter,
                topic -> TenantNamespaceNaming.instance().deadLetterTopic(topic, options.subscription()),
                options.retry().retryTopicFrom().isPresent()
                        ? topic -> TenantNamespaceNaming.instance().retryTopic(topic, options.subscription()) : null,
                Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private CompletableFuture<?> sendDeadLetter(OutboundMessage m) {
        if (deadLetterPublishFails.get()) {
            return CompletableFuture.failedFuture(new IOException("dead-letter topic unavailable"));
        }
        deadLetters.add(m);
        return CompletableFuture.completedFuture(null);
    }

    private final class Recorder implements FailureListener {
        private void record(String kind, FailureEvent e) {
            events.add(kind + ":" + e.messageId().value() + ":" + e.attempt());
            eventDetails.add(e);
        }

        @Override
        public void onRetry(FailureEvent e) {
            record("retry", e);
        }

        @Override
        public void onDecodeFailed(FailureEvent e) {
            record("decodeFailed", e);
        }

        @Override
        public void onDeadLettered(FailureEvent e) {
            record("deadLettered", e);
        }

        @Override
        public void onDeadLetterPublishFailed(FailureEvent e) {
            record("deadLetterPublishFailed", e);
        }

        @Override
        public void onDropped(FailureEvent e) {
            record("dropped", e);
        }

        @Override
        public void onSubscriptionStopped(FailureEvent e) {
            record("stopped", e);
        }
    }

    private static Handler<String> failFirstAttemptOf(String payload) {
        return m -> {
            if (m.payload().equals(payload) && m.attempt() == 1) {
                throw new IllegalStateException("first attempt of " + payload + " fails");
            }
        };
    }

    /** Waits until {@code n} retries wait in process, so that moving the clock reaches them. */
    private static void awaitWaitingRetries(Dispatcher<?> d, int n) {
        AwaitState.until(() -> d.waitingRetries() == n);
    }

    private static List<String> only(List<String> items, String prefix) {
        return items.stream().filter(s -> s.startsWith(prefix)).toList();
    }

    // ---------------------------------------------------------------- a backoff holds back only its own key

    @Test
    void inline_aRetryWaitingFiveSecondsHoldsBackItsKeyOnly() {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        consumer.deliver("b", "b1");
        consumer.deliver("a", "a2");
        consumer.deliver("b", "b2");

        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(consumer.acked).containsExactly("b1", "b2");
        AwaitState.until(() -> d.health().inFlight() == 2);   // a1 waits for its retry, a2 waits behind it
        assertThat(handled).containsExactly("a1#1", "b1#1", "b2#1");

        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 4);
        assertThat(consumer.acked).containsExactly("b1", "b2", "a1", "a2");
        assertThat(handled).containsExactly("a1#1", "b1#1", "b2#1", "a1#2", "a2#1");
        assertThat(d.health().inFlight()).isZero();
        assertThat(d.health().retried()).isEqualTo(1);
    }

    @Test
    void lanes_aRetryWaitingFiveSecondsHoldsBackItsKeyOnly() {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).concurrency(4).build(),
                failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        for (int i = 1; i <= 20; i++) {
            consumer.deliver("k" + i, "k" + i);
        }
        consumer.deliver("a", "a2");

        AwaitState.until(() -> consumer.acked.size() == 20);
        assertThat(consumer.acked).noneMatch(s -> s.startsWith("a"));
        AwaitState.until(() -> d.health().inFlight() == 2);
        assertThat(only(handled, "a")).containsExactly("a1#1");

        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 22);
        assertThat(only(consumer.acked, "a")).containsExactly("a1", "a2");
        assertThat(only(handled, "a")).containsExactly("a1#1", "a1#2", "a2#1");
    }

    @Test
    void lanes_aRetryThatCameDueRunsAheadOfTheMessagesWaitingOnItsLane() throws Exception {
        int lanes = 2;
        // keys on the same lane as "a" (Lanes spreads keys by their hash)
        java.util.function.ToIntFunction<String> lane = key -> Math.floorMod(key.hashCode() * 0x9E3779B9, lanes);
        List<String> sameLane = java.util.stream.IntStream.range(0, 1_000).mapToObj(i -> "k" + i)
                .filter(k -> lane.applyAsInt(k) == lane.applyAsInt("a")).limit(10).toList();
        CountDownLatch gate = new CountDownLatch(1);
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).concurrency(lanes).build(), m -> {
            if (m.payload().equals("a1") && m.attempt() == 1) {
                throw new IllegalStateException("first attempt of a1 fails");
            }
            if (m.payload().equals(sameLane.get(0))) {
                gate.await();   // the lane is busy while the others queue up behind it
            }
        });
        consumer.deliver("a", "a1");
        awaitWaitingRetries(d, 1);
        for (String k : sameLane) {
            consumer.deliver(k, k);
        }
        AwaitState.until(() -> handled.contains(sameLane.get(0) + "#1") && d.health().inFlight() == 1 + sameLane.size());
        clock.advance(FIVE_SECONDS);   // the retry comes due while nine messages wait on its lane
        gate.countDown();
        AwaitState.until(() -> consumer.acked.size() == 1 + sameLane.size());
        List<String> onTheLane = handled.stream().filter(h -> h.startsWith("a1") || sameLane.contains(h.split("#")[0]))
                .toList();
        assertThat(onTheLane.subList(0, 3)).containsExactly("a1#1", sameLane.get(0) + "#1", "a1#2");
    }

    @Test
    void pool_unorderedRetryHoldsBackNothing() {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).concurrency(4).ordering(Ordering.UNORDERED)
                .build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        consumer.deliver("a", "a2");

        AwaitState.until(() -> consumer.acked.contains("a2"));
        assertThat(consumer.acked).containsExactly("a2");
        assertThat(d.health().inFlight()).isEqualTo(1);
        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(consumer.acked).containsExactly("a2", "a1");
    }

    @Test
    void inline_strictRetryHoldsBackEverything() {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).ordering(Ordering.STRICT).build(),
                failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        consumer.deliver("b", "b1");
        AwaitState.until(() -> d.health().inFlight() == 2 && d.health().retried() == 1);

        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(handled).containsExactly("a1#1", "a1#2", "b1#1");
        assertThat(consumer.acked).containsExactly("a1", "b1");
    }

    @Test
    void inline_backoffsFollowTheCustomFunctionAndTheListenerSeesEach() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3)
                .backoff((attempt, failure) -> Duration.ofSeconds(attempt * 10L)).build();
        Dispatcher<String> d = start(options(policy).build(), m -> {
            if (m.attempt() < 3) {
                throw new IllegalStateException("not yet");
            }
        });
        consumer.deliver("a", "a1");
        awaitWaitingRetries(d, 1);
        clock.advance(Duration.ofSeconds(9));
        AwaitState.until(() -> consumer.acked.isEmpty() && handled.size() == 1);
        clock.advance(Duration.ofSeconds(1));
        AwaitState.until(() -> events.size() == 2);
        awaitWaitingRetries(d, 1);
        clock.advance(Duration.ofSeconds(20));
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(handled).containsExactly("a1#1", "a1#2", "a1#3");
        assertThat(eventDetails).extracting(FailureEvent::backoff)
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20));
        assertThat(events).containsExactly("retry:1:1", "retry:1:2");
    }

    // ---------------------------------------------------------------- classification and last-attempt actions

    @Test
    void aTypeGivenToDoNotRetryOnIsDeadLetteredAtOnceAsNonRetryable() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(5).doNotRetryOn(IllegalArgumentException.class).build();
        start(options(policy).build(), m -> {
            throw new IllegalArgumentException("bad order " + m.payload());
        });
        consumer.deliver("a", "a1");
        AwaitState.until(() -> consumer.acked.size() == 1 && events.size() == 1);
        assertThat(handled).containsExactly("a1#1");
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).headers().get(DeadLetter.REASON)).isEqualTo(DeadLetter.REASON_NON_RETRYABLE);
        assertThat(deadLetters.get(0).topic()).isEqualTo("orders-saver-DLQ");
        assertThat(events).containsExactly("deadLettered:1:1");
    }

    @Test
    void retryOnAndRetryIfLimitWhatIsRetried() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ZERO))
                .retryOn(IOException.class).retryIf(t -> !t.getMessage().contains("permanent")).build();
        start(options(policy).build(), m -> {
            switch (m.payload()) {
                case "io" -> throw new IOException("transient");
                case "io-permanent" -> throw new IOException("permanent");
                default -> throw new IllegalStateException("not an IOException");
            }
        });
        consumer.deliver("a", "io");
        consumer.deliver("a", "io-permanent");
        consumer.deliver("a", "state");
        AwaitState.until(() -> deadLetters.size() == 3);
        assertThat(handled).containsExactly("io#1", "io#2", "io#3", "io-permanent#1", "state#1");
        assertThat(deadLetters).extracting(m -> m.headers().get(DeadLetter.REASON))
                .containsExactly(DeadLetter.REASON_HANDLER, DeadLetter.REASON_NON_RETRYABLE,
                        DeadLetter.REASON_NON_RETRYABLE);
        assertThat(deadLetters).extracting(m -> m.headers().get(DeadLetter.ATTEMPTS)).containsExactly("3", "1", "1");
    }

    @Test
    void logAndDropAcknowledgesWithoutDeadLetter() {
        RetryPolicy policy = RetryPolicy.none().toBuilder().afterLastAttempt(AfterLastAttempt.LOG_AND_DROP).build();
        Dispatcher<String> d = start(options(policy).build(), m -> {
            throw new NonRetryableException("unwanted");
        });
        consumer.deliver("a", "a1");
        AwaitState.until(() -> consumer.acked.size() == 1 && events.size() == 1);
        assertThat(deadLetters).isEmpty();
        assertThat(events).containsExactly("dropped:1:1");
        assertThat(d.health().deadLettered()).isZero();
        assertThat(d.health().failedAttempts()).isEqualTo(1);
    }

    @Test
    void stopSubscriptionLeavesTheMessageUnacknowledgedAndHandlesNothingMore() {
        RetryPolicy policy = RetryPolicy.none().toBuilder().afterLastAttempt(AfterLastAttempt.STOP_SUBSCRIPTION).build();
        Dispatcher<String> d = start(options(policy).build(), m -> {
            if (m.payload().equals("poison")) {
                throw new IllegalStateException("cannot handle");
            }
        });
        consumer.deliver("a", "ok");
        consumer.deliver("a", "poison");
        AwaitState.until(() -> d.health().state() == SubscriptionState.CLOSED);
        consumer.deliver("a", "after");
        assertThat(consumer.acked).containsExactly("ok");
        assertThat(consumer.nacked).isEmpty();
        assertThat(consumer.closed).isTrue();
        assertThat(handled).containsExactly("ok#1", "poison#1");
        assertThat(events).containsExactly("stopped:2:1");
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void listenersHearOfDecodeFailuresAndOfDeadLetterPublishesThatFail() {
        start(options(RetryPolicy.none()).build(), m -> {
            throw new IllegalStateException("always");
        });
        consumer.deliver("a", "garbage", "application/x-unknown");
        AwaitState.until(() -> consumer.acked.size() == 1 && events.size() == 2);
        assertThat(events).containsExactly("decodeFailed:1:0", "deadLettered:1:0");
        assertThat(handled).isEmpty();

        deadLetterPublishFails.set(true);
        consumer.deliver("a", "a2");
        AwaitState.until(() -> consumer.nacked.size() == 1 && events.size() == 3);
        assertThat(consumer.nacked).containsExactly("a2");
        assertThat(events).containsExactly("decodeFailed:1:0", "deadLettered:1:0", "deadLetterPublishFailed:2:1");
        assertThat(eventDetails.get(2).deadLetterTopic()).isEqualTo("orders-saver-DLQ");
        assertThat(eventDetails.get(2).failure()).hasRootCauseInstanceOf(IOException.class);
    }

    @Test
    void aListenerThatThrowsChangesNothing() {
        SubscribeOptions o = options(RetryPolicy.none()).failureListener(new FailureListener() {
            @Override
            public void onDeadLettered(FailureEvent event) {
                throw new IllegalStateException("listener bug");
            }
        }).build();
        start(o, m -> {
            throw new IllegalStateException("always");
        });
        consumer.deliver("a", "a1");
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(deadLetters).hasSize(1);
    }

    // ---------------------------------------------------------------- timeout and close

    @Test
    void aHandlerPastItsTimeoutIsInterruptedAndRetried() {
        CountDownLatch started = new CountDownLatch(1);
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ZERO)).build();
        start(options(policy).handlerTimeout(Duration.ofSeconds(1)).build(), m -> {
            if (m.attempt() == 1) {
                started.countDown();
                new CountDownLatch(1).await();   // until the watchdog interrupts it
            }
        });
        consumer.deliver("a", "slow");
        AwaitState.until(() -> started.getCount() == 0);
        AwaitState.until(() -> clock.pending() == 1);
        clock.advance(Duration.ofSeconds(1));
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(handled).containsExactly("slow#1", "slow#2");
        assertThat(eventDetails.get(0).failure()).isInstanceOf(HandlerTimeoutException.class);
    }

    @Test
    void closeWaitsForARetryDueWithinTheGrace() throws Exception {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).concurrency(2).build(),
                failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        AwaitState.until(() -> d.health().retried() == 1);
        AtomicReference<Boolean> drained = new AtomicReference<>();
        Thread closer = new Thread(() -> drained.set(d.close(Duration.ofSeconds(30))));
        closer.start();
        AwaitState.until(() -> d.health().state() == SubscriptionState.CLOSING);
        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        closer.join(10_000);
        assertThat(drained.get()).isTrue();
        assertThat(consumer.acked).containsExactly("a1");
        assertThat(d.health().state()).isEqualTo(SubscriptionState.CLOSED);
        assertThat(consumer.closed).isTrue();
    }

    @Test
    void inline_closeWaitsForARetryDueWithinTheGrace() throws Exception {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        consumer.deliver("a", "a2");
        AwaitState.until(() -> d.health().retried() == 1 && d.health().inFlight() == 2);
        AtomicReference<Boolean> drained = new AtomicReference<>();
        Thread closer = new Thread(() -> drained.set(d.close(Duration.ofSeconds(30))));
        closer.start();
        AwaitState.until(() -> d.health().state() == SubscriptionState.CLOSING);
        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        closer.join(10_000);
        assertThat(drained.get()).isTrue();
        assertThat(consumer.acked).containsExactly("a1", "a2");
    }

    @Test
    void aRetryNotDueWithinTheGraceIsLeftUnacknowledged() {
        Dispatcher<String> d = start(options(fixedBackoff(FIVE_SECONDS)).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        AwaitState.until(() -> d.health().retried() == 1);
        assertThat(d.close(Duration.ofMillis(50))).isFalse();
        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        assertThat(consumer.acked).isEmpty();
        assertThat(consumer.nacked).isEmpty();
        assertThat(consumer.closed).isTrue();
        assertThat(d.health().state()).isEqualTo(SubscriptionState.CLOSED);
    }

    @Test
    void theLifecycleOnlyMovesForward() {
        Dispatcher<String> d = start(options(RetryPolicy.none()).build(), m -> { });
        assertThat(d.health().state()).isEqualTo(SubscriptionState.RUNNING);
        assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        d.pause();
        assertThat(d.health().state()).isEqualTo(SubscriptionState.PAUSED);
        d.resume();
        assertThat(d.close(Duration.ofSeconds(1))).isTrue();
        assertThat(d.health().state()).isEqualTo(SubscriptionState.CLOSED);
        assertThat(d.close(Duration.ofSeconds(1))).isTrue();
    }

    // ---------------------------------------------------------------- manual acknowledgement

    @Test
    void manual_messagesStayInFlightUntilSettledInAnyOrderWithinTheBound() {
        List<PendingMessage<String>> pending = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = startManual(options(RetryPolicy.none()).maxInFlight(3).build(), pending::add);
        for (int i = 1; i <= 5; i++) {
            consumer.deliver("k" + i, "m" + i);
        }
        AwaitState.until(() -> pending.size() == 3 && d.health().inFlight() == 3);
        assertThat(handled).containsExactlyInAnyOrder("m1#1", "m2#1", "m3#1");
        assertThat(consumer.acked).isEmpty();

        PendingMessage<String> third = pending.stream().filter(m -> m.payload().equals("m3")).findFirst().orElseThrow();
        Thread settler = new Thread(third::ack);   // settled from a thread of the application's own
        settler.start();
        AwaitState.until(() -> pending.size() == 4);
        assertThat(consumer.acked).containsExactly("m3");
        assertThat(third.isSettled()).isTrue();
        assertThat(third.ack()).as("a second settlement does nothing").isFalse();
        pending.forEach(PendingMessage::ack);
        AwaitState.until(() -> pending.size() == 5);
        pending.get(4).ack();
        AwaitState.until(() -> consumer.acked.size() == 5);
        assertThat(d.health().inFlight()).isZero();
        assertThat(d.health().processed()).isEqualTo(5);
    }

    @Test
    void manual_nackFollowsThePolicyAndNackWithADelayWaitsThatLong() {
        Dispatcher<String> d = startManual(options(fixedBackoff(FIVE_SECONDS)).build(), m -> {
            if (m.attempt() == 1 && m.payload().equals("policy")) {
                m.nack(new IllegalStateException("store unavailable"));
            } else if (m.attempt() == 1) {
                m.nack(Duration.ofSeconds(30));
            } else {
                m.ack();
            }
        });
        consumer.deliver("a", "policy");
        consumer.deliver("b", "delay");
        AwaitState.until(() -> d.health().retried() == 2);
        awaitWaitingRetries(d, 2);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(consumer.acked).containsExactly("policy");
        awaitWaitingRetries(d, 1);
        clock.advance(Duration.ofSeconds(24));
        assertThat(handled).doesNotContain("delay#2");
        awaitWaitingRetries(d, 1);
        clock.advance(Duration.ofSeconds(1));
        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(handled).containsExactlyInAnyOrder("policy#1", "delay#1", "policy#2", "delay#2");
        assertThat(eventDetails).extracting(FailureEvent::backoff).containsExactlyInAnyOrder(FIVE_SECONDS,
                Duration.ofSeconds(30));
    }

    @Test
    void manual_aMessageNotSettledWithinTheTimeoutIsAFailedAttempt() {
        List<PendingMessage<String>> pending = new CopyOnWriteArrayList<>();
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ZERO)).build();
        startManual(options(policy).handlerTimeout(Duration.ofSeconds(2)).build(), pending::add);
        consumer.deliver("a", "slow");
        AwaitState.until(() -> pending.size() == 1);
        clock.advance(Duration.ofSeconds(2));
        AwaitState.until(() -> pending.size() == 2);
        assertThat(pending.get(0).ack()).as("the timed-out attempt's late ack").isFalse();
        assertThat(pending.get(1).attempt()).isEqualTo(2);
        assertThat(eventDetails.get(0).failure()).isInstanceOf(HandlerTimeoutException.class)
                .hasMessageContaining("did not settle");
        pending.get(1).ack();
        AwaitState.until(() -> consumer.acked.size() == 1);
    }

    @Test
    void manual_aHandlerThatThrowsNacksAndAnUnsettledMessageAtCloseIsLeftForRedelivery() {
        List<PendingMessage<String>> pending = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = startManual(options(RetryPolicy.none()).build(), m -> {
            if (m.payload().equals("bad")) {
                throw new IllegalArgumentException("bad input");
            }
            pending.add(m);
        });
        consumer.deliver("a", "bad");
        consumer.deliver("b", "kept");
        AwaitState.until(() -> deadLetters.size() == 1 && pending.size() == 1);
        assertThat(deadLetters.get(0).headers().get(DeadLetter.EXCEPTION_CLASS))
                .isEqualTo(IllegalArgumentException.class.getName());
        assertThat(d.close(Duration.ofMillis(50))).isFalse();
        assertThat(pending.get(0).ack()).isFalse();
        assertThat(consumer.acked).containsExactly("bad");
        assertThat(consumer.closed).isTrue();
    }

    @Test
    void manual_closeWaitsForSettlementWithinTheGrace() throws Exception {
        List<PendingMessage<String>> pending = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = startManual(options(RetryPolicy.none()).build(), pending::add);
        consumer.deliver("a", "m1");
        AwaitState.until(() -> pending.size() == 1);
        AtomicReference<Boolean> drained = new AtomicReference<>();
        Thread closer = new Thread(() -> drained.set(d.close(Duration.ofSeconds(30))));
        closer.start();
        AwaitState.until(() -> d.health().state() == SubscriptionState.CLOSING);
        pending.get(0).ack();
        closer.join(10_000);
        assertThat(drained.get()).isTrue();
        assertThat(consumer.acked).containsExactly("m1");
    }

    // ---------------------------------------------------------------- retry topic

    @Test
    void aLongWaitGoesThroughTheRetryTopicAndHoldsNothing() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMinutes(10)))
                .retryTopicFrom(Duration.ofMinutes(1)).build();
        Dispatcher<String> d = start(options(policy).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        consumer.deliver("a", "a2");
        AwaitState.until(() -> consumer.acked.size() == 2);
        assertThat(consumer.acked).as("a1 acknowledged once it is in the retry topic; a2 not held behind it")
                .containsExactly("a1", "a2");
        assertThat(d.health().inFlight()).isZero();
        assertThat(deadLetters).hasSize(1);
        OutboundMessage retry = deadLetters.get(0);
        assertThat(retry.topic()).isEqualTo("orders-saver-RETRY");
        assertThat(retry.key()).isEqualTo("a");
        assertThat(retry.headers().get(RetryLetter.ATTEMPT)).isEqualTo("2");
        assertThat(retry.headers().get(RetryLetter.ORIGINAL_TOPIC)).isEqualTo("orders");
        assertThat(retry.headers().get(RetryLetter.ORIGINAL_MESSAGE_ID)).isEqualTo("1");
        assertThat(Duration.between(java.time.Instant.now(), retry.deliverAt()))
                .isBetween(Duration.ofMinutes(9), Duration.ofMinutes(10));
        assertThat(events).containsExactly("retry:1:1");
    }

    @Test
    void aShortWaitStaysInProcessEvenWithARetryTopic() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(FIVE_SECONDS))
                .retryTopicFrom(Duration.ofMinutes(1)).build();
        Dispatcher<String> d = start(options(policy).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        AwaitState.until(() -> d.health().retried() == 1);
        assertThat(deadLetters).isEmpty();
        awaitWaitingRetries(d, 1);
        clock.advance(FIVE_SECONDS);
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(handled).containsExactly("a1#1", "a1#2");
    }

    @Test
    void aFailedRetryTopicPublishFallsBackToWaitingInProcess() {
        deadLetterPublishFails.set(true);
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMinutes(10)))
                .retryTopicFrom(Duration.ofMinutes(1)).build();
        Dispatcher<String> d = start(options(policy).build(), failFirstAttemptOf("a1"));
        consumer.deliver("a", "a1");
        AwaitState.until(() -> d.health().retried() == 1 && d.health().inFlight() == 1);
        assertThat(consumer.acked).isEmpty();
        awaitWaitingRetries(d, 1);
        clock.advance(Duration.ofMinutes(10));
        AwaitState.until(() -> consumer.acked.size() == 1);
        assertThat(handled).containsExactly("a1#1", "a1#2");
    }
}
