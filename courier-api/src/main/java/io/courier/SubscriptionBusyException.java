package io.courier;

/**
 * The subscription is held by another consumer in a way that excludes this one: a second consumer on an
 * {@link SubscriptionType#EXCLUSIVE} subscription, or a consumer whose type differs from the connected ones.
 */
public class SubscriptionBusyException extends SubscribeException {
    private static final long serialVersionUID = 1L;

    public SubscriptionBusyException(String message) {
        super(message);
    }

    public SubscriptionBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
