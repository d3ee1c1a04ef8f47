package io.courier.kafka;

import io.courier.ConfigurationException;
import io.courier.core.spi.BrokerErrors;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * What Kafka's client failures mean to Courier ({@link BrokerErrors} does the mapping, unwrapping and scrubbing), and
 * the creation of its clients, whose refusals are configuration errors.
 */
final class KafkaErrors {
    private KafkaErrors() {
    }

    /** The errors of a broker at {@code url} with {@code settings}. */
    static BrokerErrors of(String url, KafkaSettings settings) {
        return new BrokerErrors(url, settings.values().secrets(), KafkaErrors::kind);
    }

    private static BrokerErrors.Kind kind(Throwable t) {
        if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
            return BrokerErrors.Kind.REFUSED;
        }
        if (t instanceof TimeoutException) {
            return BrokerErrors.Kind.TIMEOUT;
        }
        if (t instanceof RecordTooLargeException) {
            return BrokerErrors.Kind.TOO_LARGE;
        }
        if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("closed")) {
            return BrokerErrors.Kind.CLOSED;
        }
        return BrokerErrors.Kind.OTHER;
    }

    /**
     * Creates a Kafka client: one that the client refuses to create (a setting it cannot use, such as a trust store it
     * cannot load) is a {@link ConfigurationException} naming what failed, without secrets, not a raw KafkaException.
     */
    static <T> T creating(String what, String url, BrokerErrors errors, java.util.function.Supplier<T> create) {
        try {
            return create.get();
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new ConfigurationException("cannot create " + what + " for " + url + ": " + errors.reason(e)
                    + (root == e ? "" : " (" + root.getClass().getSimpleName() + ": " + errors.reason(root) + ")"));
        }
    }
}
