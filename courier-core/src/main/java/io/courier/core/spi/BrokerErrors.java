package io.courier.core.spi;

import io.courier.BacklogQuotaExceededException;
import io.courier.ConnectException;
import io.courier.CourierException;
import io.courier.PayloadTooLargeException;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import io.courier.PublisherClosedException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A backend's client failures as Courier's exceptions, written once: the client's wrapper exceptions unwrapped, every
 * secret (from the options declared secret, see {@link OptionValues#secrets()}) removed from every message, network
 * problems said in a user's terms ({@link NetworkProblems}), and a publish failure typed by what it means. A backend
 * says only which of its client's exceptions mean what ({@link Kind}). Thread-safe (immutable).
 */
public final class BrokerErrors {

    /** What a client failure means, as far as Courier's exceptions tell them apart. */
    public enum Kind {
        /** The broker refused the credentials or the action. */
        REFUSED,
        /** No answer in time. */
        TIMEOUT,
        /** The client or producer is closed. */
        CLOSED,
        /** The message is larger than the broker takes. */
        TOO_LARGE,
        /** The topic's backlog quota refuses publishing. */
        QUOTA,
        /** Anything else. */
        OTHER
    }

    private final String url;
    private final List<String> secrets;
    private final Function<Throwable, Kind> kinds;

    /**
     * @param url     the broker's URL, secrets removed, for every message
     * @param secrets the values no message may show
     * @param kinds   what each of the client's failures means ({@code OTHER} when nothing particular)
     */
    public BrokerErrors(String url, List<String> secrets, Function<Throwable, Kind> kinds) {
        this.url = Objects.requireNonNull(url, "url");
        this.secrets = List.copyOf(secrets);
        this.kinds = Objects.requireNonNull(kinds, "kinds");
    }

    /** The failure inside a {@link CompletionException} or {@link ExecutionException}. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code text} with every secret replaced by {@code ****}; never null. */
    public String scrub(String text) {
        String m = text == null ? "" : text;
        for (String secret : secrets) {
            m = m.replace(secret, "****");
        }
        return m;
    }

    /** The failure's own message, scrubbed (its class's simple name when it has none). */
    public String reason(Throwable failure) {
        Throwable t = unwrap(failure);
        return scrub(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }

    /** A failed publish to {@code topic}, typed by what it means; Courier's own exceptions pass through. */
    public CourierException publish(Throwable failure, String topic) {
        Throwable t = unwrap(failure);
        if (t instanceof CourierException c) {
            return c;
        }
        String where = "publish to '" + topic + "' on " + url;
        String reason = reason(t);
        return switch (kinds.apply(t)) {
            case TIMEOUT -> new PublishTimeoutException(where + " timed out: " + reason, t);
            case CLOSED -> new PublisherClosedException(where + " failed: the producer or client is closed");
            case TOO_LARGE -> new PayloadTooLargeException(where + " rejected: " + reason, -1, -1);
            case QUOTA -> new BacklogQuotaExceededException(where + " rejected: backlog quota of topic '" + topic
                    + "' exceeded; retry when consumers catch up (" + reason + ")", t);
            case REFUSED -> new PublishException(where + " refused: " + reason, null);
            case OTHER -> new PublishException(where + " failed: " + t.getClass().getSimpleName() + ": " + reason, t);
        };
    }

    /**
     * The broker could not be reached, or refused the credentials: one line without secrets, saying which in a user's
     * terms; the client's own exception stays the cause (for a stack trace) unless its text could hold a secret.
     */
    public ConnectException connect(Throwable failure) {
        Throwable t = unwrap(failure);
        Kind kind = kinds.apply(t);
        if (kind == Kind.REFUSED) {
            return new ConnectException("cannot open " + url + ": the broker refused the credentials (" + reason(t) + ")");
        }
        String network = NetworkProblems.describe(t);
        String detail = network != null ? network + "; is it running, and are host and port right?"
                : kind == Kind.TIMEOUT ? reason(t) + "; is it running, and are host and port right?"
                : reason(t);
        return new ConnectException("cannot open " + url + ": " + detail, secrets.isEmpty() ? t : null);
    }
}
