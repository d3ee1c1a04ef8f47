package io.courier;

/** A publish on a broker (or publisher) that has been closed. Nothing was sent. */
public class PublisherClosedException extends PublishException {
    private static final long serialVersionUID = 1L;

    public PublisherClosedException(String message) {
        super(message);
    }
}
