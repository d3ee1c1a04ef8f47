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

/** The conformance suite on the same private node with {@code queueType=CLASSIC}: the other kind of subscription queue. */
@ExtendWith(EmbeddedRabbitMqExtension.class)
class RabbitClassicConformanceTest extends BrokerConformanceSuite {

    @Override
    protected Broker openBroker() {
        EmbeddedRabbitMq rabbit = EmbeddedRabbitMqExtension.shared();
        return Brokers.open(rabbit.url() + "?queueType=CLASSIC&managementUrl=" + rabbit.managementUrl());
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
