package io.courier;

/** Recorded as the failure of an attempt whose handler ran past the subscription's handler timeout. */
public class HandlerTimeoutException extends CourierException {
    private static final long serialVersionUID = 1L;

    public HandlerTimeoutException(String message) {
        super(message);
    }
}
