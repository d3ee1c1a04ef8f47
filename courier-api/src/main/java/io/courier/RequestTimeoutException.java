package io.courier;

/** No reply came within the request's timeout. A responder may still be working on it; its late reply is dropped. */
public class RequestTimeoutException extends RequestException {
    private static final long serialVersionUID = 1L;

    public RequestTimeoutException(String message) {
        super(message);
    }
}
