package io.courier.embedded;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension of every embedded broker: one broker of a kind per test run (per JVM), started by the first
 * test class that needs it and stopped when the run ends; tests get it as a parameter of its type or through
 * {@link #shared(Class)}. A broker's extension is this with its type and how to build it:
 *
 * <pre>{@code
 * public final class EmbeddedPulsarExtension extends SharedBrokerExtension<EmbeddedPulsar> {
 *     public EmbeddedPulsarExtension() { super(EmbeddedPulsar.class, () -> EmbeddedPulsar.builder().build()); }
 * }
 * }</pre>
 *
 * @param <B> the embedded broker's type
 */
public abstract class SharedBrokerExtension<B extends EmbeddedBroker> implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedBrokerExtension.class);
    private static final Map<Class<?>, EmbeddedBroker> SHARED = new ConcurrentHashMap<>();

    private final Class<B> type;
    private final Supplier<B> build;

    /** @param build makes the broker (not started): the extension starts it */
    protected SharedBrokerExtension(Class<B> type, Supplier<B> build) {
        this.type = type;
        this.build = build;
    }

    /** The shared broker of {@code type} in this run; only valid after its extension ran for some test class. */
    public static <B extends EmbeddedBroker> B shared(Class<B> type) {
        EmbeddedBroker b = SHARED.get(type);
        if (b == null) {
            throw new IllegalStateException("no shared " + type.getSimpleName() + ": annotate the test class with "
                    + "@ExtendWith(" + type.getSimpleName() + "Extension.class)");
        }
        return type.cast(b);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        get(context);
    }

    private B get(ExtensionContext context) {
        return type.cast(context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(type, k -> {
            B broker = build.get();
            broker.start();
            System.out.println("[" + type.getSimpleName() + "] started " + broker + " in "
                    + broker.lastStartupTime().toMillis() + " ms");
            SHARED.put(type, broker);
            return new Holder(type, broker);
        }, Holder.class).broker);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == type;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return get(context);
    }

    /** Closes the broker when JUnit closes the root store at the end of the run. */
    @SuppressWarnings("deprecation")
    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final Class<?> type;
        final EmbeddedBroker broker;

        Holder(Class<?> type, EmbeddedBroker broker) {
            this.type = type;
            this.broker = broker;
        }

        @Override
        public void close() {
            SHARED.remove(type);
            broker.close();
        }
    }
}
