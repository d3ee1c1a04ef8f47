package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.core.spi.BrokerUrls;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Opens Pulsar brokers with typed {@link PulsarOptions} (needed for the raw-builder customizers, which a URL cannot
 * carry). {@code Brokers.open("pulsar://...")} is the same without them.
 */
public final class PulsarBrokers {
    private PulsarBrokers() {
    }

    /**
     * Opens a broker and checks that the cluster answers (and accepts the credentials) before returning.
     *
     * @throws ConfigurationException for a malformed URL or options
     * @throws io.courier.ConnectException when the cluster cannot be reached or refuses the credentials
     */
    public static Broker open(String url, BrokerOptions options, PulsarOptions pulsarOptions) {
        try {
            return open(new URI(url), options, pulsarOptions);
        } catch (URISyntaxException e) {
            throw new ConfigurationException("broker URL '" + Brokers.redact(url) + "' is malformed: " + e.getReason());
        }
    }

    static Broker open(URI url, BrokerOptions options, PulsarOptions pulsarOptions) {
        BrokerUrls.refuseCredentials(url, "Pulsar", "pass a token with the authToken property "
                + "(BrokerOptions.builder().property(\"authToken\", token)) or OAuth2 with oauth2IssuerUrl, "
                + "oauth2CredentialsUrl and oauth2Audience");
        if (url.getHost() == null) {
            throw new ConfigurationException("Pulsar URL '" + Brokers.redact(url.toString())
                    + "' needs a host, e.g. pulsar://localhost:6650");
        }
        String scheme = url.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = url.getPort() > 0 ? url.getPort() : scheme.equals("pulsar+ssl") ? 6651 : 6650;
        String serviceUrl = scheme + "://" + url.getHost() + ":" + port;
        return new PulsarBroker(serviceUrl, options, pulsarOptions);
    }
}
