package io.courier.kafka;

import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.CourierException;
import io.courier.PayloadTooLargeException;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import io.courier.PublisherClosedException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;

/** Maps Kafka client failures onto Courier's exception hierarchy, keeping secrets out of every message. */
final class KafkaErrors {
    private KafkaErrors() {
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static CourierException publish(Throwable failure, String topic, String url, List<String> secrets) {
        Throwable t = unwrap(failure);
        if (t instanceof CourierException c) {
            return c;
        }
        String reason = clean(t, secrets);
        String where = "publish to '" + topic + "' on " + url;
        if (t instanceof RecordTooLargeException) {
            return new PayloadTooLargeException(where + " rejected: " + reason + " (raise the broker's message.max.bytes "
                    + "and Courier's maxMessageBytes together)", -1, -1);
        }
        if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
            return new PublishException(where + " refused: " + t.getClass().getSimpleName() + ": " + reason, null);
        }
        if (t instanceof TimeoutException) {
            return new PublishTimeoutException(where + " timed out: " + reason, t);
        }
        if (t instanceof IllegalStateException && reason.contains("closed")) {
            return new PublisherClosedException(where + " failed: the producer is closed");
        }
        return new PublishException(where + " failed: " + t.getClass().getSimpleName() + ": " + reason, t);
    }

    /** A failure to reach the cluster or to be let in, as one line without secrets (and without the cause's text). */
    static ConnectException connect(Throwable failure, String url, List<String> secrets) {
        Throwable t = unwrap(failure);
        String reason = clean(t, secrets);
        if (t instanceof AuthenticationException) {
            return new ConnectException("cannot open " + url + ": the cluster refused the credentials ("
                    + t.getClass().getSimpleName() + ": " + reason + ")");
        }
        if (t instanceof TimeoutException) {
            return new ConnectException("cannot open " + url + ": no Kafka broker answered (" + reason + "); is it "
                    + "running, and are host and port right?");
        }
        return new ConnectException("cannot open " + url + ": " + t.getClass().getSimpleName() + ": " + reason);
    }

    /**
     * Creates a Kafka client: one that the client refuses to create (a setting it cannot use, such as a trust store it
     * cannot load) is a {@link ConfigurationException} naming what failed, without secrets, not a raw KafkaException.
     */
    static <T> T creating(String what, String url, List<String> secrets, java.util.function.Supplier<T> create) {
        try {
            return create.get();
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new ConfigurationException("cannot create " + what + " for " + url + ": " + clean(e, secrets)
                    + (root == e ? "" : " (" + root.getClass().getSimpleName() + ": " + clean(root, secrets) + ")"));
        }
    }

    /** The failure's message with every secret replaced, never null. */
    static String clean(Throwable t, List<String> secrets) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                m = m.replace(secret, "****");
            }
        }
        return m;
    }
}
