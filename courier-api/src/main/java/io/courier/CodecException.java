package io.courier;

/**
 * A payload could not be encoded or decoded, or a codec name is unknown. On the consuming side a decode failure
 * sends the message to the dead-letter topic with reason {@code decode}; it is never retried.
 */
public class CodecException extends CourierException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
