package io.courier;

/**
 * Thrown by a handler to say that trying again cannot help (invalid content, a business rule rejected it).
 * The message goes straight to the dead-letter topic after one attempt, with this exception's class and message
 * as the reason.
 */
public class NonRetryableException extends CourierException {
    private static final long serialVersionUID = 1L;

    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
