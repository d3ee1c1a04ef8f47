package io.courier;

/** A topic name that no backend can use (empty, bad characters, malformed {@code persistent://} form). */
public class InvalidTopicException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        super(message);
    }
}
