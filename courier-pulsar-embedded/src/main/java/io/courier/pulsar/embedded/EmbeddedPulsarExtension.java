package io.courier.pulsar.embedded;

import io.courier.embedded.SharedBrokerExtension;

/**
 * One {@link EmbeddedPulsar} per test run, shared by every test class annotated with
 * {@code @ExtendWith(EmbeddedPulsarExtension.class)}; a test gets it as a parameter or through {@link #shared()}.
 */
public final class EmbeddedPulsarExtension extends SharedBrokerExtension<EmbeddedPulsar> {
    public EmbeddedPulsarExtension() {
        super(EmbeddedPulsar.class, () -> EmbeddedPulsar.builder().build());
    }

    /** The shared broker of this run; only valid after the extension ran for some test class. */
    public static EmbeddedPulsar shared() {
        return shared(EmbeddedPulsar.class);
    }
}
