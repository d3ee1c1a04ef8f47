package io.courier.kafka.embedded;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts one {@link EmbeddedKafka} per test run (per JVM) and shares it: the first test
 * class that needs it pays the start, the broker stops when the run ends. Tests get it as a parameter
 * ({@code EmbeddedKafka kafka}) or through {@link #shared()}.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class MyPulsarTest {
 *     @Test void works(EmbeddedKafka kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);
    private static volatile EmbeddedKafka shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        get(context);
    }

    /** The shared broker of this run; only valid after the extension ran for some test class. */
    public static EmbeddedKafka shared() {
        if (shared == null) {
            throw new IllegalStateException("no shared EmbeddedKafka: annotate the test class with "
                    + "@ExtendWith(EmbeddedKafkaExtension.class)");
        }
        return shared;
    }

    private static EmbeddedKafka get(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("broker", k -> {
            EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
            System.out.println("[embedded-kafka] started " + kafka + " in " + kafka.lastStartupTime().toMillis() + " ms");
            shared = kafka;
            return new Holder(kafka);
        }, Holder.class).kafka;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return get(context);
    }

    /** Closes the broker when JUnit closes the root store at the end of the run. */
    @SuppressWarnings("deprecation")
    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final EmbeddedKafka kafka;

        Holder(EmbeddedKafka kafka) {
            this.kafka = kafka;
        }

        @Override
        public void close() {
            shared = null;
            kafka.close();
        }
    }
}
