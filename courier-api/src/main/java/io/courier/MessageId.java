package io.courier;

import java.util.Objects;

/**
 * A broker-assigned message identifier, opaque to callers. Its string form is stable for the backend (for Pulsar
 * {@code ledger:entry:partition:batch}) and is what the example saver uses as an idempotency key.
 * Thread-safe (immutable).
 */
public final class MessageId {
    private volatile String value;
    private java.util.function.Supplier<String> render;

    private MessageId(String value) {
        this.value = value;
    }

    private MessageId(java.util.function.Supplier<String> render) {
        this.render = render;
    }

    /** Wraps a backend's identifier; {@code value} must be non-blank. */
    public static MessageId of(String value) {
        Objects.requireNonNull(value, "message id");
        if (value.isBlank()) {
            throw new IllegalArgumentException("message id must not be blank");
        }
        return new MessageId(value);
    }

    /**
     * An identifier whose string form is made on first use: publishers that never look at the id of an async publish
     * do not pay for formatting it. {@code render} must return a non-blank string.
     */
    public static MessageId lazy(java.util.function.Supplier<String> render) {
        return new MessageId(Objects.requireNonNull(render, "render"));
    }

    /** The identifier's string form. */
    public String value() {
        String v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = render.get();
                    value = v;
                    render = null;
                }
            }
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageId m && value().equals(m.value());
    }

    @Override
    public int hashCode() {
        return value().hashCode();
    }

    @Override
    public String toString() {
        return value();
    }
}
