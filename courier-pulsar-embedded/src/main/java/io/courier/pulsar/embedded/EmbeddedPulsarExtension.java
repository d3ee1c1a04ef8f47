package io.courier.pulsar.embedded;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts one {@link EmbeddedPulsar} per test run (per JVM) and shares it: the first test
 * class that needs it pays the start, the broker stops when the run ends. Tests get it as a parameter
 * ({@code EmbeddedPulsar pulsar}) or through {@link #shared()}.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedPulsarExtension.class)
 * class MyPulsarTest {
 *     @Test void works(EmbeddedPulsar pulsar) { ... pulsar.serviceUrl() ... }
 * }
 * }</pre>
 */
public final class EmbeddedPulsarExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedPulsarExtension.class);
    private static volatile EmbeddedPulsar shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        get(context);
    }

    /** The shared broker of this run; only valid after the extension ran for some test class. */
    public static EmbeddedPulsar shared() {
        if (shared == null) {
            throw new IllegalStateException("no shared EmbeddedPulsar: annotate the test class with "
                    + "@ExtendWith(EmbeddedPulsarExtension.class)");
        }
        return shared;
    }

    private static EmbeddedPulsar get(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("broker", k -> {
            EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start();
            System.out.println("[embedded-pulsar] started " + pulsar + " in " + pulsar.lastStartupTime().toMillis() + " ms");
            shared = pulsar;
            return new Holder(pulsar);
        }, Holder.class).pulsar;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedPulsar.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return get(context);
    }

    /** Closes the broker when JUnit closes the root store at the end of the run. */
    @SuppressWarnings("deprecation")
    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final EmbeddedPulsar pulsar;

        Holder(EmbeddedPulsar pulsar) {
            this.pulsar = pulsar;
        }

        @Override
        public void close() {
            shared = null;
            pulsar.close();
        }
    }
}
