package io.courier;

/**
 * Names of the headers Courier adds to a message it sends to a subscription's retry topic (see
 * {@link RetryPolicy.Builder#retryTopicFrom(java.time.Duration)}). When the message comes back, the handler sees the
 * original topic, message id and the next attempt number; these headers are removed.
 */
public final class RetryLetter {
    /** The attempt the message comes back for (2 for the first retry). */
    public static final String ATTEMPT = "courier-retry-attempt";
    public static final String ORIGINAL_TOPIC = "courier-retry-original-topic";
    public static final String ORIGINAL_MESSAGE_ID = "courier-retry-original-message-id";

    private RetryLetter() {
    }
}
