package io.courier;

import java.net.URI;
import java.util.Set;

/**
 * Service-provider interface of a backend module: found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.courier.BrokerProvider}. Applications do not call it; they use {@link Brokers}.
 */
public interface BrokerProvider {

    /** URL schemes this backend opens, lower case, e.g. {@code pulsar} and {@code pulsar+ssl}. */
    Set<String> schemes();

    /** The Maven coordinates of the module, for error messages ({@code io.courier:courier-pulsar}). */
    String module();

    /**
     * Opens a broker for {@code url}.
     *
     * @throws ConfigurationException for a URL or options this backend cannot use
     * @throws ConnectException when the broker cannot be reached
     */
    Broker open(URI url, BrokerOptions options);
}
