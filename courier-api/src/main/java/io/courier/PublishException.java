package io.courier;

/**
 * A publish did not reach the broker. When a caller sees this the message was not stored (or, after a timeout,
 * may not have been): retrying is safe for idempotent consumers.
 */
public class PublishException extends CourierException {
    private static final long serialVersionUID = 1L;

    public PublishException(String message) {
        super(message);
    }

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
