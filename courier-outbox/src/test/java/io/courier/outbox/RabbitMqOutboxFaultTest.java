package io.courier.outbox;

import io.courier.rabbitmq.embedded.EmbeddedRabbitMqExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link OutboxFaultScenarios} on a private RabbitMQ node. */
@ExtendWith(EmbeddedRabbitMqExtension.class)
class RabbitMqOutboxFaultTest extends OutboxFaultScenarios {
    @Override
    protected String url() {
        return EmbeddedRabbitMqExtension.shared().url();
    }

    @Override
    protected String backend() {
        return "rabbitmq";
    }
}
