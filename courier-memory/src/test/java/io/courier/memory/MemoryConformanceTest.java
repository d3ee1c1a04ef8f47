package io.courier.memory;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Capability;
import io.courier.SubscriptionType;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.ExpectedCapabilities;

/** The whole conformance suite (groups A–F) on {@code memory://}. */
class MemoryConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open("memory://conformance");
    }

    @Override
    protected ExpectedCapabilities expectedCapabilities() {
        return ExpectedCapabilities.of("memory")
                .missing(Capability.LARGE_PAYLOADS, Capability.TRANSACTIONS)
                .delayedDeliveryOn(SubscriptionType.SHARED, SubscriptionType.KEY_SHARED)
                .maxPayloadBytes(5 * 1024 * 1024);
    }
}
