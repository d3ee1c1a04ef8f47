package io.courier;

/**
 * The failure recorded when a {@link ManualAckHandler} settles a message with {@link PendingMessage#nack(java.time.Duration)}
 * without giving a cause (it is what a dead letter's {@code courier-dlq-exception-class} then names).
 */
public class NackedException extends CourierException {
    private static final long serialVersionUID = 1L;

    public NackedException(String message) {
        super(message);
    }
}
