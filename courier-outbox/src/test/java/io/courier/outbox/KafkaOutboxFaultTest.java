package io.courier.outbox;

import io.courier.SubscriptionType;
import io.courier.kafka.embedded.EmbeddedKafka;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link OutboxFaultScenarios} on an embedded Kafka broker whose groups drop a member that stopped heartbeating after
 * 4 s instead of 45 s: the killed consumer's partitions reach its replacement within seconds. The inbox's consumer is
 * a FAILOVER consumer group, which its replacement may join while the dead member is still counted (an EXCLUSIVE one
 * refuses it until then), and whose uncommitted offsets the replacement reads again; a share group would hold the dead
 * member's records until their lock ran out.
 */
class KafkaOutboxFaultTest extends OutboxFaultScenarios {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.builder().groupSessionTimeout(Duration.ofSeconds(4)).build().start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    protected String url() {
        return "kafka://" + kafka.bootstrapServers();
    }

    @Override
    protected SubscriptionType consumerType() {
        return SubscriptionType.FAILOVER;
    }

    @Override
    protected String backend() {
        return "kafka";
    }
}
