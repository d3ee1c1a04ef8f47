package io.courier;

/** The broker could not be reached or refused the connection (wrong URL, broker down, authentication failed). */
public class ConnectException extends CourierException {
    private static final long serialVersionUID = 1L;

    public ConnectException(String message) {
        super(message);
    }

    public ConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
