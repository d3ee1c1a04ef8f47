package io.courier;

import java.util.Objects;

/**
 * A broker-assigned message identifier, opaque to callers. Its string form is stable for the backend (for Pulsar
 * {@code ledger:entry:partition:batch}) and is what the example saver uses as an idempotency key.
 * Thread-safe (immutable).
 */
public final class MessageId {
    private final String value;

    private MessageId(String value) {
        this.value = value;
    }

    /** Wraps a backend's identifier; {@code value} must be non-blank. */
    public static MessageId of(String value) {
        Objects.requireNonNull(value, "message id");
        if (value.isBlank()) {
            throw new IllegalArgumentException("message id must not be blank");
        }
        return new MessageId(value);
    }

    /** The identifier's string form. */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageId m && value.equals(m.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
