package io.courier;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens brokers by URL: {@code memory://}, {@code pulsar://host:6650}, {@code pulsar+ssl://...}. The backend is
 * chosen by the URL's scheme among the {@link BrokerProvider}s on the classpath; an unknown scheme fails with a
 * message that lists the schemes available and the module to add.
 */
public final class Brokers {
    private static final Map<String, String> KNOWN_MODULES = Map.of(
            "memory", "io.courier:courier-memory",
            "pulsar", "io.courier:courier-pulsar",
            "pulsar+ssl", "io.courier:courier-pulsar",
            "kafka", "io.courier:courier-kafka",
            "kafka+ssl", "io.courier:courier-kafka",
            "amqp", "io.courier:courier-rabbitmq",
            "amqps", "io.courier:courier-rabbitmq",
            "nats", "io.courier:courier-nats",
            "tls", "io.courier:courier-nats");

    private Brokers() {
    }

    /** Opens {@code url} with default options. */
    public static Broker open(String url) {
        return open(url, BrokerOptions.defaults());
    }

    /**
     * Opens {@code url}.
     *
     * @throws ConfigurationException when the URL is malformed or no backend handles its scheme
     * @throws ConnectException when the backend cannot connect
     */
    public static Broker open(String url, BrokerOptions options) {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("broker URL must not be blank; try memory:// or pulsar://localhost:6650");
        }
        if (options == null) {
            throw new ConfigurationException("broker options must not be null; use BrokerOptions.defaults()");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new ConfigurationException("broker URL '" + redact(url) + "' is malformed: " + e.getReason());
        }
        if (uri.getScheme() == null) {
            throw new ConfigurationException("broker URL '" + redact(url)
                    + "' has no scheme; write it as memory:// or pulsar://host:6650");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Map<String, BrokerProvider> providers = providers();
        BrokerProvider provider = providers.get(scheme);
        if (provider == null) {
            String module = KNOWN_MODULES.get(scheme);
            throw new ConfigurationException("no Courier backend for scheme '" + scheme + "' (URL '" + redact(url)
                    + "'); schemes on the classpath: " + (providers.isEmpty() ? "none" : String.join(", ", providers.keySet()))
                    + (module != null ? "; add " + module + " to the classpath" : ""));
        }
        return provider.open(uri, options);
    }

    /** The schemes found on the classpath, sorted. */
    public static List<String> availableSchemes() {
        return new ArrayList<>(providers().keySet());
    }

    /**
     * {@code url} without user-info and with secret-looking query values replaced by {@code ****}. Everything between
     * {@code ://} and the last {@code @} counts as user-info, since a password may itself hold {@code @}, {@code /} or
     * {@code ?}: an {@code @} in a query value then hides the host too, which errs on the safe side.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String s = url;
        int scheme = s.indexOf("://");
        int at = s.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            s = s.substring(0, scheme + 3) + "****" + s.substring(at);
        }
        return s.replaceAll("(?i)([?&][^=&]*(token|secret|password|key|credential|auth)[^=&]*=)[^&#]*", "$1****");
    }

    private static Map<String, BrokerProvider> providers() {
        Map<String, BrokerProvider> found = new TreeMap<>();
        for (BrokerProvider p : ServiceLoader.load(BrokerProvider.class, classLoader())) {
            for (String s : p.schemes()) {
                found.putIfAbsent(s.toLowerCase(Locale.ROOT), p);
            }
        }
        return found;
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : Brokers.class.getClassLoader();
    }
}
