package io.courier.memory;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.Features;

/** The whole conformance suite (groups A–F) on {@code memory://}. */
class MemoryConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open("memory://conformance");
    }

    @Override
    protected Features features() {
        return Features.builder().maxPayloadBytes(5L * 1024 * 1024).backlogQuota(true).delayedDelivery(true).build();
    }
}
