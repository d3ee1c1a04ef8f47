package io.courier.kafka;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Capability;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.kafka.embedded.EmbeddedKafkaExtension;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.ExpectedCapabilities;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite on a real Kafka 4.4.0 (KRaft, one node) started by {@link EmbeddedKafka}. */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open("kafka://" + EmbeddedKafkaExtension.shared().bootstrapServers());
    }

    @Override
    protected ExpectedCapabilities expectedCapabilities() {
        return ExpectedCapabilities.of("kafka")
                .missing(Capability.DELAYED_DELIVERY, Capability.BACKLOG_QUOTA, Capability.LARGE_PAYLOADS,
                        Capability.TRANSACTIONS,
                        Capability.REQUEST_REPLY)
                .delayedDeliveryOn()
                .maxPayloadBytes(1024 * 1024)
                .lazyAcks(true);
    }
}
