package io.courier;

/** The encoded payload is larger than the backend accepts. Nothing was sent. */
public class PayloadTooLargeException extends PublishException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final long limit;

    public PayloadTooLargeException(String message, long size, long limit) {
        super(message);
        this.size = size;
        this.limit = limit;
    }

    /** Encoded size of the rejected payload, in bytes. */
    public long size() {
        return size;
    }

    /** The limit it exceeded, in bytes. */
    public long limit() {
        return limit;
    }
}
