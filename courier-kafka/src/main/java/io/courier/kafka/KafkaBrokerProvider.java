package io.courier.kafka;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.BrokerProvider;
import io.courier.Brokers;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code kafka://host:9092[,host2:9092]} and {@code kafka+ssl://...} brokers. Settings (declared in
 * {@code KafkaSettings}, tabled in the README) come from {@code COURIER_KAFKA_*} environment variables, the URL query
 * or {@link BrokerOptions#properties()}, later ones winning. Opening checks that the cluster answers and accepts the
 * credentials.
 */
public final class KafkaBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("kafka", "kafka+ssl");
    }

    @Override
    public String module() {
        return "io.courier:courier-kafka";
    }

    @Override
    public Broker open(URI url, BrokerOptions options) {
        KafkaSettings settings = KafkaSettings.from(url, options.properties(), System.getenv());
        String shown = Brokers.redact(url.getScheme() + "://" + settings.bootstrapServers());
        return new KafkaBroker(shown, options, settings);
    }
}
