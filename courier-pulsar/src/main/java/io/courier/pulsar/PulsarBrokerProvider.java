package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import java.net.URI;
import java.util.Set;

/** Opens {@code pulsar://} and {@code pulsar+ssl://} brokers; settings as declared in {@link PulsarOptions#DECLARED}. */
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
        return PulsarBrokers.open(url, options, PulsarOptions.from(url, options.properties(), System.getenv()));
    }
}
