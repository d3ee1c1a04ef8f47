package io.courier.rabbitmq;

import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import io.courier.testkit.BrokerDownClose;
import io.courier.testkit.BrokerFaults;
import io.courier.testkit.FaultLoad;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A private RabbitMQ node is stopped (SIGTERM) or killed (SIGKILL) and restarted on its data while 20 publishers send
 * 10,000 messages and a subscriber consumes them. Every publish completes only once RabbitMQ confirmed it, and
 * publishers retry one that failed: nothing may be lost; duplicates are bounded by what was unconfirmed or
 * unacknowledged at the fault. A fresh node for each test, without the management plugin (these tests need none).
 *
 * <p>The SIGKILL runs on classic queues: on RabbitMQ 3.10 a quorum queue declared seconds before its single node is
 * SIGKILLed came back without a leader in 4 runs out of 7 here (its Raft member stays "leader not known", the queue
 * unusable until deleted), so a single 3.10 node is run with {@code queueType=CLASSIC}; quorum queues are proven
 * under SIGKILL in a cluster ({@link RabbitClusterTest}), where the other members keep the queue. RELIABILITY.md keeps
 * the observation.
 */
class RabbitFaultTest {
    private static final int THREADS = 20;
    private static final int PER_THREAD = 500;
    private EmbeddedRabbitMq rabbit;

    @BeforeEach
    void start() {
        rabbit = EmbeddedRabbitMq.builder().management(false).build().start();
    }

    @AfterEach
    void stop() {
        rabbit.close();
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
        BrokerDownClose.Result r = BrokerDownClose.closeWhileDown(options -> Brokers.open(rabbit.url(), options),
                rabbit::stop, Duration.ofSeconds(2));
        System.out.printf("[fault] rabbitmq node stopped, closeTimeout 2 s: %s%n", r);
    }

    @Test
    void publishesMadeWhileTheBrokerIsDownReturnAtOnceAndGoOutInOrderOnceItIsBack() throws Exception {
        BrokerFaults.publishesWhileDownGoOutInOrder("rabbitmq", options -> Brokers.open(rabbit.url(), options),
                rabbit::stop, rabbit::start);
    }

    @Test
    void withTheBrokerDownAPublishFailsAsATimeoutAtItsPublishTimeout() throws Exception {
        BrokerFaults.publishTimesOutWhileDown("rabbitmq", options -> Brokers.open(rabbit.url(), options), rabbit::stop);
    }

    private void runThroughRestart(boolean kill) throws Exception {
        String topic = "fault-" + (kill ? "kill" : "term") + "-" + System.nanoTime();
        String url = rabbit.url() + (kill ? "?queueType=CLASSIC" : "");
        BrokerFaults.Restart r = BrokerFaults.restartUnderLoad(options -> Brokers.open(url, options),
                BrokerOptions.builder().publishTimeout(Duration.ofSeconds(60)).build(),
                SubscribeOptions.builder(topic, "fault").type(SubscriptionType.SHARED).ordering(Ordering.UNORDERED)
                        .concurrency(4).build(), () -> rabbit.restart(kill), THREADS, PER_THREAD);
        FaultLoad load = r.load();
        load.assertDuplicatesAtMost(load.publishRetries() + THREADS + SubscribeOptions.DEFAULT_MAX_IN_FLIGHT,
                "a publish sent again after a failure, one unconfirmed publish per publisher sent again after the "
                + "reconnect, and what the consumer held unacknowledged at the fault (its prefetch, maxInFlight)");
        System.out.println(r.summary("rabbitmq node " + (kill ? "SIGKILL (classic queue)" : "SIGTERM (quorum queue)")));
    }
}
