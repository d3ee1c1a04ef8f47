package io.courier;

/**
 * Nobody was listening for requests on the topic when the request was made, on a backend that can tell (NATS); the
 * request was not delivered. Elsewhere the same case ends in a {@link RequestTimeoutException}.
 */
public class NoResponderException extends RequestException {
    private static final long serialVersionUID = 1L;

    public NoResponderException(String message) {
        super(message);
    }
}
