package io.courier.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.testkit.BrokerDownClose;
import io.courier.testkit.BrokerFaults;
import io.courier.testkit.FaultLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The broker is stopped (SIGTERM) or killed (SIGKILL) and restarted on the same log directory while 20 publishers
 * send 10,000 messages and a subscriber consumes them. Publishers retry a publish that failed; nothing may be lost;
 * duplicates are bounded by what the member can hold unsettled at the fault, and reported.
 */
class KafkaFaultTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 500;
    private EmbeddedKafka kafka;

    @BeforeEach
    void start() {
        kafka = EmbeddedKafka.builder().build().start();
    }

    @AfterEach
    void stop() {
        kafka.close();
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
        BrokerDownClose.Result r = BrokerDownClose.closeWhileDown(options -> Brokers.open("kafka://" + kafka.bootstrapServers(), options),
                kafka::stop, Duration.ofSeconds(2));
        System.out.printf("[fault] kafka broker stopped, closeTimeout 2 s: %s%n", r);
    }

    @Test
    void publishesMadeWhileTheBrokerIsDownReturnAtOnceAndGoOutInOrderOnceItIsBack() throws Exception {
        BrokerFaults.publishesWhileDownGoOutInOrder("kafka", options -> Brokers.open("kafka://"
                + kafka.bootstrapServers(), options), kafka::stop, kafka::start);
    }

    @Test
    void withTheBrokerDownAFullParkingHoldsThePublisherUntilItsTimeoutThenEveryPublishFailsAsATimeout() throws Exception {
        String topic = "down-full-" + System.nanoTime();
        BrokerOptions options = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(3)).build();
        try (Broker broker = Brokers.open("kafka://" + kafka.bootstrapServers(), options)) {
            broker.publish(topic, "before");
            kafka.stop();
            // a topic the producer has no metadata for: it takes none of these, all are parked
            String unknown = topic + "-new";
            List<CompletableFuture<MessageId>> parked = new ArrayList<>();
            long begin = System.nanoTime();
            for (int i = 0; i < KafkaSends.MAX_PARKED; i++) {
                parked.add(broker.publishAsync(unknown, "p"));
            }
            long fillMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            long overBegin = System.nanoTime();
            CompletableFuture<MessageId> over = broker.publishAsync(unknown, "one too many");
            long heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - overBegin);
            // the records already parked expire at their own publish timeout and free room first: the one over the
            // bound waits for that (about the 3 s less the filling time), never past its own timeout
            assertThat(heldMs).as("the publish over the bound held its caller %d ms (filling took %d ms)", heldMs, fillMs)
                    .isBetween(3_000 - fillMs - 500, 3_000L + 500);
            CompletableFuture.allOf(parked.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(30, TimeUnit.SECONDS);
            assertThat(parked).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(io.courier.PublishTimeoutException.class));
            assertThat(over).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(io.courier.PublishTimeoutException.class);
            System.out.printf("[fault] kafka: broker down, %d publishAsync calls parked in %d ms; the next held its caller "
                    + "%d ms (publish timeout 3 s); all %d failed with PublishTimeoutException%n", KafkaSends.MAX_PARKED,
                    fillMs, heldMs, KafkaSends.MAX_PARKED + 1);
        }
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        BrokerFaults.Restart r = BrokerFaults.restartUnderLoad(options -> Brokers.open("kafka://"
                        + kafka.bootstrapServers(), options),
                BrokerOptions.builder().publishTimeout(Duration.ofSeconds(60)).build(),
                SubscribeOptions.builder(topic, "fault").initialPosition(InitialPosition.EARLIEST)
                        .ordering(Ordering.UNORDERED).concurrency(4).build(), () -> kafka.restart(kill), THREADS,
                PER_THREAD);
        FaultLoad load = r.load();
        load.assertDuplicatesAtMost(load.publishRetries() + 3 * SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                "a publish sent again, and what the member held at the fault: up to maxInFlight in its handlers, as "
                + "many queued from its last fetch, and what it acknowledged since its last commit");
        System.out.println(r.summary("kafka broker " + (kill ? "SIGKILL" : "SIGTERM")));
    }
}
