package io.courier.memory;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code memory://} brokers. Brokers opened with the same name ({@code memory://orders}; the empty name is
 * {@code default}) share one in-process cluster, so a publisher and a subscriber opened separately in one JVM see
 * the same topics, as two clients of one server would. Settings come from the URL query or
 * {@link BrokerOptions#properties()}:
 * <ul>
 *   <li>{@code retention} — acknowledged messages a topic keeps for new EARLIEST subscriptions (default 0: like
 *       Pulsar without a retention policy, only unacknowledged messages are kept)</li>
 *   <li>{@code maxMessageBytes} — largest payload accepted (default 5,242,880, Pulsar's default)</li>
 *   <li>{@code nackDelayMs} — delay before a message handed back is delivered again (default 0)</li>
 * </ul>
 * The settings of the first broker opened on a cluster win.
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
        MemorySettings settings = MemorySettings.from(url, options);
        MemoryCluster cluster = MemoryCluster.named(settings);
        return new MemoryBroker("memory://" + settings.name(), options, cluster);
    }
}
