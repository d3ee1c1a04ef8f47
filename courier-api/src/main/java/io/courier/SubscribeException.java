package io.courier;

/** A subscription could not be opened. The message names the topic, the subscription and the reason. */
public class SubscribeException extends CourierException {
    private static final long serialVersionUID = 1L;

    public SubscribeException(String message) {
        super(message);
    }

    public SubscribeException(String message, Throwable cause) {
        super(message, cause);
    }
}
