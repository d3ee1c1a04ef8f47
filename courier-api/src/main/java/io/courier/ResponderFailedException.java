package io.courier;

/**
 * The responder threw instead of replying. {@link #responderError()} is its exception as
 * {@code ExceptionClass: message}, as the responder sent it; the stack trace stays in the responder's process.
 */
public class ResponderFailedException extends RequestException {
    private static final long serialVersionUID = 1L;

    private final String responderError;

    public ResponderFailedException(String message, String responderError) {
        super(message);
        this.responderError = responderError;
    }

    /** The responder's exception as {@code ExceptionClass: message}. */
    public String responderError() {
        return responderError;
    }
}
