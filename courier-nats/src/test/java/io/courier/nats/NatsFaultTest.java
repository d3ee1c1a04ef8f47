package io.courier.nats;

import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.testkit.BrokerDownClose;
import io.courier.testkit.BrokerFaults;
import io.courier.testkit.FaultLoad;
import java.time.Duration;
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
        BrokerFaults.publishesWhileDownGoOutInOrder("nats", options -> Brokers.open(nats.url(), options), nats::stop,
                nats::start);
    }

    @Test
    void withTheBrokerDownAPublishFailsAsATimeoutAtItsPublishTimeout() throws Exception {
        BrokerFaults.publishTimesOutWhileDown("nats", options -> Brokers.open(nats.url(), options), nats::stop);
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        // a publish in flight when the server goes away has no answer coming: it fails at its publish timeout and its
        // publisher sends it again (so it may be stored twice)
        BrokerFaults.Restart r = BrokerFaults.restartUnderLoad(options -> Brokers.open(nats.url(), options),
                BrokerOptions.builder().publishTimeout(Duration.ofSeconds(10)).build(),
                SubscribeOptions.builder(topic, "fault").type(SubscriptionType.SHARED).ordering(Ordering.UNORDERED)
                        .concurrency(4).build(), () -> nats.restart(kill), THREADS, PER_THREAD);
        FaultLoad load = r.load();
        load.assertDuplicatesAtMost(load.publishRetries() + 2 * SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                "a publish sent again after a failure (its first try may have been stored), and what the member "
                + "had pulled or held unacknowledged at the fault (a batch of maxInFlight, and as many in handlers)");
        System.out.println(r.summary("nats server " + (kill ? "SIGKILL" : "SIGTERM")));
    }
}
