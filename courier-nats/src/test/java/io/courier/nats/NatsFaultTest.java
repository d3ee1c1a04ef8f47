package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.testkit.BrokerDownClose;
import io.courier.testkit.FaultLoad;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A private NATS server is stopped (SIGTERM) or killed (SIGKILL) and restarted on its store while 20 publishers send
 * 10,000 messages and a subscriber consumes them. Every publish completes only once the stream acknowledged it, and
 * publishers retry one that failed: nothing may be lost; duplicates are bounded by what was unacknowledged at the
 * fault. A fresh server for each test.
 */
class NatsFaultTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 500;
    private EmbeddedNats nats;

    @BeforeEach
    void start() {
        nats = EmbeddedNats.builder().build().start();
    }

    @AfterEach
    void stop() {
        nats.close();
    }

    @Test
    void gracefulBrokerRestartWhilePublishingAndConsuming() throws Exception {
        runThroughRestart(false);
    }

    @Test
    void killedBrokerRestartWhilePublishingAndConsuming() throws Exception {
        runThroughRestart(true);
    }

    @Test
    void withTheBrokerStoppedPublishAsyncReturnsAtOnceAndCloseWithinTheCloseTimeout() throws Exception {
        BrokerDownClose.Result r = BrokerDownClose.closeWhileDown(options -> Brokers.open(nats.url(), options),
                nats::stop, Duration.ofSeconds(2));
        System.out.printf("[fault] nats server stopped, closeTimeout 2 s: %s%n", r);
    }

    @Test
    void publishesMadeWhileTheBrokerIsDownReturnAtOnceAndGoOutInOrderOnceItIsBack() throws Exception {
        String topic = "down-order-" + System.nanoTime();
        int whileDown = 200;
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(120)).build();
        try (Broker broker = Brokers.open(nats.url(), options)) {
            Recorder<String> received = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "down-order").build(), String.class, received);
            broker.publish(Envelope.builder(topic, "m-0").key("k").build());
            received.awaitCount(1, Duration.ofSeconds(60));
            nats.stop();

            List<CompletableFuture<MessageId>> published = new ArrayList<>();
            long begin = System.nanoTime();
            for (int i = 1; i <= whileDown; i++) {
                published.add(broker.publishAsync(Envelope.builder(topic, "m-" + i).key("k").build()));
            }
            long heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            assertThat(heldMs).as("%d publishAsync calls with the broker down held their caller %d ms", whileDown, heldMs)
                    .isLessThan(BrokerDownClose.ASYNC_BOUND.toMillis());
            assertThat(published).noneMatch(CompletableFuture::isDone);

            long restart = System.nanoTime();
            nats.start();
            CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long confirmedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart);
            received.awaitCount(whileDown + 1, Duration.ofSeconds(60));
            List<String> expected = IntStream.rangeClosed(0, whileDown).mapToObj(i -> "m-" + i).toList();
            assertThat(received.payloads()).containsExactlyElementsOf(expected);
            System.out.printf("[fault] nats: %d publishAsync calls with the server down held their caller %d ms in "
                    + "all; %d ms after the restart began all %d were confirmed, and they were received in publish "
                    + "order%n", whileDown, heldMs, confirmedMs, whileDown);
        }
    }

    @Test
    void withTheBrokerDownAPublishFailsAsATimeoutAtItsPublishTimeout() throws Exception {
        String topic = "down-timeout-" + System.nanoTime();
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(2)).build();
        try (Broker broker = Brokers.open(nats.url(), options)) {
            broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, m -> { });
            nats.stop();
            long begin = System.nanoTime();
            CompletableFuture<MessageId> f = broker.publishAsync(topic, "never");
            assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(io.courier.PublishTimeoutException.class);
            long failedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            // the deadlines are swept every 100 ms
            assertThat(failedMs).isBetween(2_000L, 2_000L + 500);
            System.out.printf("[fault] nats: server down, publish timeout 2 s: failed as a timeout after %d ms%n", failedMs);
        }
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        // a publish in flight when the server goes away has no answer coming: it fails at its publish timeout and its
        // publisher sends it again (so it may be stored twice)
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(10)).build();
        FaultLoad load = new FaultLoad(THREADS, PER_THREAD);
        String url = nats.url();
        try (Broker broker = Brokers.open(url, options)) {
            Subscription sub = broker.subscribe(SubscribeOptions.builder(topic, "fault").type(SubscriptionType.SHARED)
                    .ordering(Ordering.UNORDERED).concurrency(4).build(), String.class, load.handler());
            load.publish(broker, topic, false, Duration.ofMillis(5));
            load.awaitReceived(2_000, Duration.ofSeconds(60));
            long begin = System.nanoTime();
            nats.restart(kill);
            long downMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            load.awaitPublished(Duration.ofMinutes(5));
            load.assertNothingLost(Duration.ofMinutes(2));
            load.assertDuplicatesAtMost(load.publishRetries() + 2 * SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                    "a publish sent again after a failure (its first try may have been stored), and what the member "
                    + "had pulled or held unacknowledged at the fault (a batch of maxInFlight, and as many in handlers)");
            System.out.printf("[fault] nats %s: server down and back in %d ms; %d messages, 0 lost, %d duplicate "
                    + "deliveries, %d publish retries%n", kill ? "SIGKILL" : "SIGTERM", downMs, load.messages(),
                    load.duplicates(), load.publishRetries());
            sub.close(Duration.ofSeconds(10));
        }
    }
}
