package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.SubscribeOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A service stopping while its broker is down: {@link Broker#close()} returns within the broker's
 * {@link BrokerOptions#closeTimeout()} (a stop that hangs for the client's own timeouts holds up a deploy or a
 * SIGTERM), and every publish still waiting fails with a {@link PublishException} instead of staying pending. Before
 * that, {@link Broker#publishAsync} returns at once rather than holding its caller while the client looks for the
 * broker.
 */
public final class BrokerDownClose {
    /** What a close returns within beyond the close timeout: thread hand-offs and releasing local resources. */
    public static final Duration MARGIN = Duration.ofMillis(1_500);

    /**
     * How long a few {@code publishAsync} calls may hold their caller with the broker down: they are asynchronous.
     * Measured 2-36 ms on Pulsar and Kafka (two calls; 200 calls on Kafka 21 ms); the bound is about four times that.
     */
    public static final Duration ASYNC_BOUND = Duration.ofMillis(150);

    private BrokerDownClose() {
    }

    /**
     * Opens a broker with {@code closeTimeout} and a publish timeout far beyond it, subscribes and publishes once, runs
     * {@code stopBroker} while the message is in its handler (its acknowledgement comes after), publishes to the known topic and to a new one (its publisher is still being created), then
     * closes and checks the bound. Returns what happened, for the test's report.
     */
    public static Result closeWhileDown(Function<BrokerOptions, Broker> open, Runnable stopBroker, Duration closeTimeout)
            throws InterruptedException {
        BrokerOptions options = BrokerOptions.builder().closeTimeout(closeTimeout).publishTimeout(Duration.ofSeconds(20)).build();
        String topic = "close-down-" + System.nanoTime();
        Broker broker = open.apply(options);
        long ms;
        long publishMs = -1;
        List<CompletableFuture<MessageId>> waiting;
        try {
            // the message is handled, and so acknowledged, only once the broker is down: its acknowledgement is
            // still to be committed when the close begins
            CountDownLatch handling = new CountDownLatch(1);
            CountDownLatch stopped = new CountDownLatch(1);
            AtomicInteger handled = new AtomicInteger();
            broker.subscribe(SubscribeOptions.builder(topic, "close-down").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, message -> {
                        handling.countDown();
                        if (!stopped.await(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the broker was not stopped within 60 s");
                        }
                        handled.incrementAndGet();
                    });
            broker.publish(topic, "before");
            assertThat(handling.await(60, TimeUnit.SECONDS)).as("the message reached its handler").isTrue();
            stopBroker.run();
            stopped.countDown();
            Await.until(Duration.ofSeconds(10), () -> handled.get() == 1, () -> "handled " + handled.get());
            long begin = System.nanoTime();
            CompletableFuture<MessageId> a = broker.publishAsync(topic, "after");
            CompletableFuture<MessageId> b = broker.publishAsync(topic + "-new", "new topic");
            publishMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            waiting = List.of(a, b);
        } finally {
            long begin = System.nanoTime();
            broker.close();
            ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        }
        assertThat(publishMs).as("two publishAsync calls with the broker down held their caller %d ms", publishMs)
                .isLessThan(ASYNC_BOUND.toMillis());
        assertThat(ms).as("close with the broker down took %d ms; closeTimeout %s", ms, closeTimeout)
                .isLessThanOrEqualTo(closeTimeout.plus(MARGIN).toMillis());
        Await.until(Duration.ofSeconds(5), () -> waiting.stream().allMatch(CompletableFuture::isDone),
                () -> "publishes still waiting after close: " + waiting);
        List<String> failures = new java.util.ArrayList<>();
        for (CompletableFuture<MessageId> f : waiting) {
            assertThat(f).isCompletedExceptionally();
            Throwable cause = f.handle((id, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
            assertThat(cause).isInstanceOf(PublishException.class);
            failures.add(cause.getClass().getSimpleName());
        }
        return new Result(publishMs, ms, failures);
    }

    /** How long the two publishAsync calls held their caller, the close took, and each waiting publish's failure. */
    public record Result(long publishAsyncMillis, long closeMillis, List<String> publishFailures) {
        @Override
        public String toString() {
            return "two publishAsync calls returned in " + publishAsyncMillis + " ms; close returned in " + closeMillis + " ms; the " + publishFailures.size() + " waiting publishes failed with "
                    + publishFailures;
        }
    }
}
