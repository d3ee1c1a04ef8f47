package io.courier.nats.embedded;

import io.courier.embedded.SharedBrokerExtension;

/**
 * One {@link EmbeddedNats} per test run, shared by every test class annotated with
 * {@code @ExtendWith(EmbeddedNatsExtension.class)}; a test gets it as a parameter or through {@link #shared()}.
 */
public final class EmbeddedNatsExtension extends SharedBrokerExtension<EmbeddedNats> {
    public EmbeddedNatsExtension() {
        super(EmbeddedNats.class, () -> EmbeddedNats.builder().build());
    }

    /** The shared server of this run; only valid after the extension ran for some test class. */
    public static EmbeddedNats shared() {
        return shared(EmbeddedNats.class);
    }
}
