package io.courier.nats;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import io.courier.Brokers;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code nats://host[:4222][,host2:4222]} and {@code tls://...} brokers: NATS with JetStream. Settings
 * (declared in {@code NatsSettings}, tabled in the README) come from {@code COURIER_NATS_*} environment variables, the
 * URL query or {@link BrokerOptions#properties()}, later ones winning. Opening connects, logs in and checks that
 * JetStream is on.
 */
public final class NatsBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("nats", "tls");
    }

    @Override
    public String module() {
        return "io.courier:courier-nats";
    }

    @Override
    public Broker open(URI url, BrokerOptions options) {
        NatsSettings settings = NatsSettings.from(url, options.properties(), System.getenv());
        return new NatsBroker(Brokers.redact(url.getScheme() + "://" + url.getRawAuthority()), options, settings);
    }
}
