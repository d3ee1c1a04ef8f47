package io.courier;

/** The backend does not offer this capability (it is listed as missing in the README's backend table). */
public class UnsupportedFeatureException extends CourierException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }
}
