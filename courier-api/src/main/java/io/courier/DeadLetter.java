package io.courier;

/**
 * Names of the headers Courier adds to a message it sends to a dead-letter topic. The original payload, key and
 * headers are kept as they were; these fields say why and from where.
 */
public final class DeadLetter {
    /** Why: {@value #REASON_DECODE}, {@value #REASON_HANDLER}, {@value #REASON_NON_RETRYABLE} or {@value #REASON_TIMEOUT}. */
    public static final String REASON = "courier-dlq-reason";
    public static final String ORIGINAL_TOPIC = "courier-dlq-original-topic";
    public static final String SUBSCRIPTION = "courier-dlq-subscription";
    public static final String MESSAGE_ID = "courier-dlq-message-id";
    /** Handler attempts made before giving up (0 for a decode failure). */
    public static final String ATTEMPTS = "courier-dlq-attempts";
    public static final String EXCEPTION_CLASS = "courier-dlq-exception-class";
    /** The exception's message, cut to 1,024 characters. */
    public static final String EXCEPTION_MESSAGE = "courier-dlq-exception-message";
    /** When the message was dead-lettered, ISO-8601. */
    public static final String TIME = "courier-dlq-time";

    /** The payload could not be decoded to the handler's type. */
    public static final String REASON_DECODE = "decode";
    /** The handler kept failing until the retry policy gave up. */
    public static final String REASON_HANDLER = "handler";
    /** The handler threw {@link NonRetryableException}. */
    public static final String REASON_NON_RETRYABLE = "non-retryable";
    /** The last attempt ran past the handler timeout. */
    public static final String REASON_TIMEOUT = "timeout";

    /**
     * The durable subscription that keeps a dead-letter topic's letters until they are replayed or discarded: a
     * backend that keeps messages only for subscriptions makes it before the first letter, and the tools settle letters
     * through it.
     */
    public static final String KEEPING_SUBSCRIPTION = "courier-dlq";

    private DeadLetter() {
    }
}
