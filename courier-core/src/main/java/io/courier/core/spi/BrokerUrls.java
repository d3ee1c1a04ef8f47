package io.courier.core.spi;

import io.courier.Brokers;
import io.courier.ConfigurationException;
import java.net.URI;

/**
 * Rules about broker URLs every backend applies the same way. Stateless.
 */
public final class BrokerUrls {
    private BrokerUrls() {
    }

    /**
     * Refuses credentials in the URL's user-info ({@code scheme://user:password@host}) for a backend that takes them
     * elsewhere: connecting without them would hide the mistake. The message shows the URL without them.
     *
     * @param instead where the backend takes credentials, e.g. "pass a token with the authToken property"
     * @throws ConfigurationException when the URL carries user-info
     */
    public static void refuseCredentials(URI url, String backend, String instead) {
        if (url.getRawAuthority() != null && url.getRawAuthority().contains("@")) {
            throw new ConfigurationException(backend + " URL '" + Brokers.redact(url.toString()) + "' carries "
                    + "credentials before the host, which " + backend + " does not take from a URL; " + instead);
        }
    }
}
