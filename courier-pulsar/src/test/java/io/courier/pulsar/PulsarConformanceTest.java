package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite (groups A–F) on a real Pulsar 4.2.4 started by {@link EmbeddedPulsar}. */
@ExtendWith(EmbeddedPulsarExtension.class)
class PulsarConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        EmbeddedPulsar pulsar = EmbeddedPulsarExtension.shared();
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }
}
