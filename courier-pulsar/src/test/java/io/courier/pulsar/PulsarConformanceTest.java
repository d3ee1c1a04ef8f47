package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Capability;
import io.courier.SubscriptionType;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.ExpectedCapabilities;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite (groups A–F) on a real Pulsar 4.2.4 started by {@link EmbeddedPulsar}. */
@ExtendWith(EmbeddedPulsarExtension.class)
class PulsarConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        EmbeddedPulsar pulsar = EmbeddedPulsarExtension.shared();
        return Brokers.open(pulsar.serviceUrl(), BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
    }

    @Override
    protected ExpectedCapabilities expectedCapabilities() {
        return ExpectedCapabilities.of("pulsar")
                .missing(Capability.TRANSACTIONS,
                        Capability.REQUEST_REPLY)
                .delayedDeliveryOn(SubscriptionType.SHARED, SubscriptionType.KEY_SHARED)
                .maxPayloadBytes(0)
                .exactBacklogQuota(false);
    }
}
