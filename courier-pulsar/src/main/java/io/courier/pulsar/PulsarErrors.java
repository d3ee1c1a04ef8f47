package io.courier.pulsar;

import io.courier.BacklogQuotaExceededException;
import io.courier.CourierException;
import io.courier.PayloadTooLargeException;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import io.courier.PublisherClosedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pulsar.client.api.PulsarClientException;

/** Maps Pulsar client failures onto Courier's exception hierarchy, keeping secrets out of the messages. */
final class PulsarErrors {
    private PulsarErrors() {
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static CourierException publish(Throwable failure, String topic, String url, String secret) {
        Throwable t = unwrap(failure);
        if (t instanceof CourierException c) {
            return c;
        }
        String reason = clean(t.getMessage(), secret);
        String where = "publish to '" + topic + "' on " + url;
        if (t instanceof PulsarClientException.ProducerBlockedQuotaExceededException
                || t instanceof PulsarClientException.ProducerBlockedQuotaExceededError) {
            return new BacklogQuotaExceededException(where + " rejected: backlog quota of topic '" + topic
                    + "' exceeded; retry when consumers catch up (" + reason + ")", t);
        }
        if (t instanceof PulsarClientException.InvalidMessageException && reason.toLowerCase(java.util.Locale.ROOT).contains("size")) {
            return new PayloadTooLargeException(where + " rejected: " + reason, -1, -1);
        }
        if (t instanceof PulsarClientException.AlreadyClosedException) {
            return new PublisherClosedException(where + " failed: the producer or client is closed");
        }
        if (t instanceof PulsarClientException.TimeoutException) {
            return new PublishTimeoutException(where + " timed out: " + reason, t);
        }
        return new PublishException(where + " failed: " + t.getClass().getSimpleName() + ": " + reason, t);
    }

    /** The message with the secret (if any) replaced, never null. */
    static String clean(String message, String secret) {
        String m = message == null ? "" : message;
        if (secret != null && !secret.isEmpty()) {
            m = m.replace(secret, "****");
        }
        return m;
    }
}
