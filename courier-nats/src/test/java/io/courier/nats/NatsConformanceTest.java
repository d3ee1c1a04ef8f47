package io.courier.nats;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Capability;
import io.courier.SubscriptionType;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.ExpectedCapabilities;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite on a private NATS server with JetStream started by {@link EmbeddedNats}. */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open(EmbeddedNatsExtension.shared().url());
    }

    @Override
    protected ExpectedCapabilities expectedCapabilities() {
        return ExpectedCapabilities.of("nats")
                .types(SubscriptionType.EXCLUSIVE, SubscriptionType.SHARED, SubscriptionType.FAILOVER)
                .missing(Capability.DELAYED_DELIVERY, Capability.BACKLOG_QUOTA, Capability.PARTITIONS,
                        Capability.TOPIC_PATTERNS, Capability.LARGE_PAYLOADS, Capability.TRANSACTIONS)
                .delayedDeliveryOn()
                // the server's 8 MiB max_payload less the room kept for headers
                .maxPayloadBytes(8L * 1024 * 1024 - 64 * 1024);
    }
}
