package io.courier;

/**
 * Root of every exception Courier throws. Unchecked, so that handlers and data-layer code are not forced to
 * declare broker failures they cannot handle locally; catch a subtype where you can act on it.
 *
 * <p>Messages name the topic, the subscription and the broker URL where they apply, and never contain a secret
 * (tokens, passwords and URL user-info are redacted before they reach an exception).
 */
public class CourierException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CourierException(String message) {
        super(message);
    }

    public CourierException(String message, Throwable cause) {
        super(message, cause);
    }
}
