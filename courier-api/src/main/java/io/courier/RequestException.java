package io.courier;

/**
 * A request got no reply to return: see the subtypes for why. The request itself may have reached a responder (a
 * timeout says nothing about that), so a request worth repeating should be safe to answer twice.
 */
public class RequestException extends CourierException {
    private static final long serialVersionUID = 1L;

    public RequestException(String message) {
        super(message);
    }

    public RequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
