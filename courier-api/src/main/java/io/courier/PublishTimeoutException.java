package io.courier;

/**
 * The broker did not confirm a publish within the publish timeout. The message may or may not have been stored;
 * consumers are idempotent, so publishing again is safe.
 */
public class PublishTimeoutException extends PublishException {
    private static final long serialVersionUID = 1L;

    public PublishTimeoutException(String message) {
        super(message);
    }

    public PublishTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
