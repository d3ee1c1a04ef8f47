package io.courier.cli;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The broker a command talks to: its URL and the backend's options, shared by every command that opens one. Secrets
 * belong in options ({@code -o authToken=...}) or the backend's environment variables, never in the URL.
 */
final class BrokerConnection {
    @Parameters(index = "0", paramLabel = "URL",
            description = "The broker: pulsar://host:6650, kafka://host:9092, ... (what ./courier standalone printed).")
    String url;

    @Option(names = {"-o", "--option"}, paramLabel = "NAME=VALUE",
            description = "A backend option, repeatable: -o adminUrl=http://127.0.0.1:8080 (Pulsar), -o saslMechanism=PLAIN (Kafka).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for the broker to confirm a publish, or for a reply (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    Broker open() {
        return open(url, options, timeoutSeconds);
    }

    static Broker open(String url, Map<String, String> options, int timeoutSeconds) {
        if (timeoutSeconds < 1) {
            throw new ConfigurationException("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        BrokerOptions.Builder b = BrokerOptions.builder().publishTimeout(Duration.ofSeconds(timeoutSeconds));
        options.forEach(b::property);
        return Brokers.open(url, b.build());
    }
}
