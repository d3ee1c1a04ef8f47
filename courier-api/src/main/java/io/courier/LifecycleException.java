package io.courier;

/**
 * An operation that the component's lifecycle state does not allow: registering on a stopped server, starting a
 * server twice from different states, using a closed broker for subscribe.
 */
public class LifecycleException extends CourierException {
    private static final long serialVersionUID = 1L;

    public LifecycleException(String message) {
        super(message);
    }

    public LifecycleException(String message, Throwable cause) {
        super(message, cause);
    }
}
