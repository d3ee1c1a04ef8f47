package io.courier;

/** The order in which one subscriber's handlers see messages. */
public enum Ordering {
    /** One message at a time, in the order received. Requires concurrency 1. */
    STRICT,
    /**
     * Parallel across keys, serial within a key (messages without a key share one lane). A retry holds its key's
     * lane, so later messages of that key wait.
     */
    PER_KEY,
    /** Up to {@code concurrency} messages in parallel, in any order. */
    UNORDERED
}
