package io.courier.rabbitmq.embedded;

import io.courier.embedded.SharedBrokerExtension;

/**
 * One {@link EmbeddedRabbitMq} per test run, shared by every test class annotated with
 * {@code @ExtendWith(EmbeddedRabbitMqExtension.class)}; a test gets it as a parameter or through {@link #shared()}.
 */
public final class EmbeddedRabbitMqExtension extends SharedBrokerExtension<EmbeddedRabbitMq> {
    public EmbeddedRabbitMqExtension() {
        super(EmbeddedRabbitMq.class, () -> EmbeddedRabbitMq.builder().build());
    }

    /** The shared node of this run; only valid after the extension ran for some test class. */
    public static EmbeddedRabbitMq shared() {
        return shared(EmbeddedRabbitMq.class);
    }
}
