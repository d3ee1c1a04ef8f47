package io.courier.memory;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code memory://} brokers. Brokers opened with the same name ({@code memory://orders}; the empty name is
 * {@code default}) share one in-process cluster, so a publisher and a subscriber opened separately in one JVM see
 * the same topics, as two clients of one server would. Settings ({@code retention}, {@code maxMessageBytes},
 * {@code nackDelayMs}; declared in {@code MemorySettings}, tabled in the README) come from environment variables
 * ({@code COURIER_MEMORY_MAX_MESSAGE_BYTES}), the URL query or {@link BrokerOptions#properties()}, later ones
 * winning. The settings of the first broker opened on a cluster win.
 */
public final class MemoryBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public String module() {
        return "io.courier:courier-memory";
    }

    @Override
    public Broker open(URI url, BrokerOptions options) {
        MemorySettings settings = MemorySettings.from(url, options, System.getenv());
        MemoryCluster cluster = MemoryCluster.named(settings);
        return new MemoryBroker("memory://" + settings.name(), options, cluster);
    }
}
