package io.courier.nats;

import io.courier.core.spi.BrokerErrors;
import io.nats.client.AuthenticationException;
import io.nats.client.JetStreamApiException;

/** What the NATS client's failures mean to Courier; {@link BrokerErrors} does the mapping, unwrapping and scrubbing. */
final class NatsErrors {
    /** JetStream's error code of "maximum payload exceeded". */
    private static final int TOO_LARGE = 10054;

    private NatsErrors() {
    }

    static BrokerErrors of(String url, NatsSettings settings) {
        return new BrokerErrors(url, settings.values().secrets(), NatsErrors::kind);
    }

    private static BrokerErrors.Kind kind(Throwable t) {
        String message = String.valueOf(t.getMessage());
        if (t instanceof AuthenticationException || message.contains("Authorization Violation")
                || message.contains("Authentication Timeout")) {
            return BrokerErrors.Kind.REFUSED;
        }
        if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.util.concurrent.CancellationException
                || t instanceof java.net.SocketTimeoutException) {
            return BrokerErrors.Kind.TIMEOUT;
        }
        if (message.contains("Maximum Payload") || message.contains("maximum payload")
                || (t instanceof JetStreamApiException api && api.getApiErrorCode() == TOO_LARGE)) {
            return BrokerErrors.Kind.TOO_LARGE;
        }
        if (t instanceof IllegalStateException && (message.contains("Closed") || message.contains("closed"))) {
            return BrokerErrors.Kind.CLOSED;
        }
        return BrokerErrors.Kind.OTHER;
    }
}
