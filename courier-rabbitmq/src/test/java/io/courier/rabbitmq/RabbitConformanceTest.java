package io.courier.rabbitmq;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Capability;
import io.courier.SubscriptionType;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMqExtension;
import io.courier.testkit.BrokerConformanceSuite;
import io.courier.testkit.ExpectedCapabilities;
import org.junit.jupiter.api.extension.ExtendWith;

/** The conformance suite on a private RabbitMQ node (quorum queues) started by {@link EmbeddedRabbitMq}. */
@ExtendWith(EmbeddedRabbitMqExtension.class)
class RabbitConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        EmbeddedRabbitMq rabbit = EmbeddedRabbitMqExtension.shared();
        return Brokers.open(rabbit.url() + "?managementUrl=" + rabbit.managementUrl());
    }

    @Override
    protected ExpectedCapabilities expectedCapabilities() {
        return ExpectedCapabilities.of("rabbitmq")
                .types(SubscriptionType.EXCLUSIVE, SubscriptionType.SHARED, SubscriptionType.FAILOVER)
                .missing(Capability.DELAYED_DELIVERY, Capability.BACKLOG_QUOTA, Capability.PARTITIONS,
                        Capability.RETENTION, Capability.TOPIC_PATTERNS, Capability.LARGE_PAYLOADS,
                        Capability.TRANSACTIONS)
                .delayedDeliveryOn()
                .maxPayloadBytes(16 * 1024 * 1024);
    }
}
