package io.courier.kafka;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.kafka.embedded.EmbeddedKafkaExtension;
import io.courier.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite on a real Kafka 4.4.0 (KRaft, one node) started by {@link EmbeddedKafka}. */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open("kafka://" + EmbeddedKafkaExtension.shared().bootstrapServers());
    }
}
