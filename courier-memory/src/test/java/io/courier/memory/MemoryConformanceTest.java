package io.courier.memory;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.testkit.BrokerConformanceSuite;

/** The whole conformance suite (groups A–F) on {@code memory://}. */
class MemoryConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        return Brokers.open("memory://conformance");
    }
}
