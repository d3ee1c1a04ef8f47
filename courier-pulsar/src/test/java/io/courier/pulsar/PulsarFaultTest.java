package io.courier.pulsar;

import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.testkit.BrokerDownClose;
import io.courier.testkit.BrokerFaults;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group G of the conformance suite on Pulsar: the broker is stopped (SIGTERM) or killed (SIGKILL) and restarted on
 * the same data while 20 publishers send 10,000 messages and a subscriber consumes them. Publishers retry a publish
 * that failed; nothing may be lost; duplicates are counted and reported.
 */
class PulsarFaultTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 500;
    private EmbeddedPulsar pulsar;

    @BeforeEach
    void start() {
        pulsar = EmbeddedPulsar.builder().build().start();
    }

    @AfterEach
    void stop() {
        pulsar.close();
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
        BrokerDownClose.Result r = BrokerDownClose.closeWhileDown(options -> Brokers.open(pulsar.serviceUrl(), options.toBuilder().property("adminUrl", pulsar.httpUrl()).build()),
                pulsar::stop, Duration.ofSeconds(2));
        System.out.printf("[fault] pulsar broker stopped, closeTimeout 2 s: %s%n", r);
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        BrokerFaults.Restart r = BrokerFaults.restartUnderLoad(options -> Brokers.open(pulsar.serviceUrl(), options),
                BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).publishTimeout(Duration.ofSeconds(60))
                        .build(),
                SubscribeOptions.builder(topic, "fault").type(SubscriptionType.SHARED)
                        .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.UNORDERED).concurrency(4).build(),
                () -> pulsar.restart(kill), THREADS, PER_THREAD);
        System.out.println(r.summary("pulsar broker " + (kill ? "SIGKILL" : "SIGTERM")));
    }
}
