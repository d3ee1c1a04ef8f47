package io.courier;

/**
 * The backend does not offer what the call needs. The message names the backend, the feature, the call and what to
 * use instead; {@link Broker#capabilities()} lists the same beforehand.
 */
public class UnsupportedFeatureException extends CourierException {
    private static final long serialVersionUID = 1L;

    private final String backend;
    private final String feature;

    public UnsupportedFeatureException(String message) {
        super(message);
        this.backend = null;
        this.feature = null;
    }

    /**
     * @param backend the backend's name
     * @param feature the missing feature
     * @param use     what the caller tried, e.g. {@code "subscribe 'orders' as 'audit'"}
     * @param instead what to do instead
     */
    public UnsupportedFeatureException(String backend, String feature, String use, String instead) {
        super(backend + " does not support " + feature + " (needed to " + use + "); " + instead);
        this.backend = backend;
        this.feature = feature;
    }

    /** The backend's name, or null when the thrower did not say. */
    public String backend() {
        return backend;
    }

    /** The missing feature, or null when the thrower did not say. */
    public String feature() {
        return feature;
    }
}
