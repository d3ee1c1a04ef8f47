package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.PublishTimeoutException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The broker-fault scenarios every backend's fault test runs against its own embedded broker: a restart under load,
 * publishing while the broker is down, and a publish timing out while it is down. The caller passes how to open a
 * client and how to stop, start or restart its broker; the scenarios assert what every backend must do and return or
 * print the figures.
 */
public final class BrokerFaults {
    private BrokerFaults() {
    }

    /** What a restart under load measured: the load (received messages, duplicates, retries) and the downtime. */
    public record Restart(FaultLoad load, long downMs) {
        /** The run in one line: downtime, messages, duplicates and publish retries, after {@code what}. */
        public String summary(String what) {
            return String.format("[fault] %s: down and back in %d ms; %d messages, 0 lost, %d duplicate deliveries, "
                    + "%d publish retries", what, downMs, load.messages(), load.duplicates(), load.publishRetries());
        }
    }

    /**
     * {@code threads} publishers send {@code perThread} messages each to the subscription's topic while it consumes;
     * after 2,000 are received the broker is restarted. Asserts that every message is delivered; the caller bounds
     * the duplicates, which depend on the backend.
     *
     * @param restart restarts the broker and returns when it answers again
     */
    public static Restart restartUnderLoad(Function<BrokerOptions, Broker> open, BrokerOptions options,
                                           SubscribeOptions subscription, Runnable restart, int threads, int perThread)
            throws Exception {
        FaultLoad load = new FaultLoad(threads, perThread);
        try (Broker broker = open.apply(options)) {
            Subscription sub = broker.subscribe(subscription, String.class, load.handler());
            load.publish(broker, subscription.topic().orElseThrow(), false, Duration.ofMillis(5));
            load.awaitReceived(2_000, Duration.ofSeconds(60));
            long begin = System.nanoTime();
            restart.run();
            long downMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            load.awaitPublished(Duration.ofMinutes(5));
            load.assertNothingLost(Duration.ofMinutes(2));
            sub.close(Duration.ofSeconds(10));
            return new Restart(load, downMs);
        }
    }

    /**
     * With the broker stopped, 200 keyed {@code publishAsync} calls must return at once, none complete; once the
     * broker is started again all are stored and received in publish order.
     */
    public static void publishesWhileDownGoOutInOrder(String label, Function<BrokerOptions, Broker> open, Runnable stop,
                                                      Runnable start) throws Exception {
        String topic = "down-order-" + System.nanoTime();
        int whileDown = 200;
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(120)).build();
        try (Broker broker = open.apply(options)) {
            Recorder<String> received = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "down-order").initialPosition(InitialPosition.EARLIEST)
                    .build(), String.class, received);
            broker.publish(Envelope.builder(topic, "m-0").key("k").build());
            received.awaitCount(1, Duration.ofSeconds(60));
            stop.run();

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
            start.run();
            CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long confirmedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart);
            received.awaitCount(whileDown + 1, Duration.ofSeconds(60));
            List<String> expected = IntStream.rangeClosed(0, whileDown).mapToObj(i -> "m-" + i).toList();
            assertThat(received.payloads()).containsExactlyElementsOf(expected);
            System.out.printf("[fault] %s: %d publishAsync calls with the broker down held their caller %d ms in all; "
                    + "%d ms after the restart began all %d were stored, and they were received in publish order%n",
                    label, whileDown, heldMs, confirmedMs, whileDown);
        }
    }

    /**
     * With the broker stopped, a publish fails with {@link PublishTimeoutException} at its 2 s publish timeout, within
     * half a second after it (backends sweep their deadlines on a timer).
     */
    public static void publishTimesOutWhileDown(String label, Function<BrokerOptions, Broker> open, Runnable stop)
            throws Exception {
        String topic = "down-timeout-" + System.nanoTime();
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(2)).build();
        try (Broker broker = open.apply(options)) {
            broker.subscribe(SubscribeOptions.builder(topic, "s").build(), String.class, m -> { });
            stop.run();
            long begin = System.nanoTime();
            CompletableFuture<MessageId> f = broker.publishAsync(topic, "never");
            assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(PublishTimeoutException.class);
            long failedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            assertThat(failedMs).isBetween(2_000L, 2_000L + 500);
            System.out.printf("[fault] %s: broker down, publish timeout 2 s: failed as a timeout after %d ms%n", label,
                    failedMs);
        }
    }
}
