package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.Features;
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
    protected Features features() {
        return Features.builder()
                .maxPayloadBytes(0)            // payloads above 5 MiB are chunked
                .backlogQuota(true)
                .exactBacklogQuota(false)      // measured in storage bytes, checked every second
                .delayedDelivery(true)
                .build();
    }
}
