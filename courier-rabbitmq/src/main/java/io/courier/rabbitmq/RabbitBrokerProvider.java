package io.courier.rabbitmq;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import io.courier.Brokers;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code amqp://[user:password@]host[:5672][,host2:5672][/vhost]} and {@code amqps://...} brokers. Settings
 * (declared in {@code RabbitSettings}, tabled in the README) come from {@code COURIER_RABBITMQ_*} environment
 * variables, the URL query or {@link BrokerOptions#properties()}, later ones winning. Opening connects and logs in.
 */
public final class RabbitBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("amqp", "amqps");
    }

    @Override
    public String module() {
        return "io.courier:courier-rabbitmq";
    }

    @Override
    public Broker open(URI url, BrokerOptions options) {
        RabbitSettings settings = RabbitSettings.from(url, options.properties(), System.getenv());
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        String shown = Brokers.redact(url.getScheme() + "://" + url.getRawAuthority() + path);
        return new RabbitBroker(shown, options, settings);
    }
}
