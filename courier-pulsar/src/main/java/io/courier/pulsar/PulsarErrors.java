package io.courier.pulsar;

import io.courier.core.spi.BrokerErrors;
import org.apache.pulsar.client.api.PulsarClientException;

/** What the Pulsar client's failures mean to Courier; {@link BrokerErrors} maps, unwraps and scrubs them. */
final class PulsarErrors {
    private PulsarErrors() {
    }

    /** The errors of a broker at {@code url} with {@code options} (the token among its secrets). */
    static BrokerErrors of(String url, PulsarOptions options) {
        return new BrokerErrors(url, options.secrets(), PulsarErrors::kind);
    }

    private static BrokerErrors.Kind kind(Throwable t) {
        if (t instanceof PulsarClientException.AuthenticationException
                || t instanceof PulsarClientException.AuthorizationException) {
            return BrokerErrors.Kind.REFUSED;
        }
        if (QuotaBlocks.isQuota(t)) {
            return BrokerErrors.Kind.QUOTA;
        }
        if (t instanceof PulsarClientException.InvalidMessageException
                && String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("size")) {
            return BrokerErrors.Kind.TOO_LARGE;
        }
        if (t instanceof PulsarClientException.AlreadyClosedException) {
            return BrokerErrors.Kind.CLOSED;
        }
        if (t instanceof PulsarClientException.TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
            return BrokerErrors.Kind.TIMEOUT;
        }
        return BrokerErrors.Kind.OTHER;
    }
}
