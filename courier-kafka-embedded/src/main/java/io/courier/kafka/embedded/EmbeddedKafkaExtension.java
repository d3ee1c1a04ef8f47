package io.courier.kafka.embedded;

import io.courier.embedded.SharedBrokerExtension;

/**
 * One {@link EmbeddedKafka} per test run, shared by every test class annotated with
 * {@code @ExtendWith(EmbeddedKafkaExtension.class)}; a test gets it as a parameter or through {@link #shared()}.
 */
public final class EmbeddedKafkaExtension extends SharedBrokerExtension<EmbeddedKafka> {
    public EmbeddedKafkaExtension() {
        super(EmbeddedKafka.class, () -> EmbeddedKafka.builder().build());
    }

    /** The shared broker of this run; only valid after the extension ran for some test class. */
    public static EmbeddedKafka shared() {
        return shared(EmbeddedKafka.class);
    }
}
