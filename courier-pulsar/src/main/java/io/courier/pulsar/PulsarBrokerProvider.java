package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Opens {@code pulsar://} and {@code pulsar+ssl://} brokers; settings as in {@link PulsarOptions}. */
public final class PulsarBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("pulsar", "pulsar+ssl");
    }

    @Override
    public String module() {
        return "io.courier:courier-pulsar";
    }

    @Override
    public Broker open(URI url, BrokerOptions options) {
        Map<String, String> settings = new LinkedHashMap<>(options.properties());
        if (url.getRawQuery() != null) {
            for (String pair : url.getRawQuery().split("&")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    settings.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return PulsarBrokers.open(url, options, PulsarOptions.fromSettings(settings));
    }
}
