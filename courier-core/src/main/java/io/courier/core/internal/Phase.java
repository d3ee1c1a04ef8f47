package io.courier.core.internal;

/** Where a dispatcher is in its life; it only moves forward. */
enum Phase {
    /** Built, not yet receiving. */
    CREATED,
    /** Receiving and handling. */
    RUNNING,
    /** Closing: no new messages are received; in-flight ones, retries included, finish within the grace. */
    DRAINING,
    /** The grace ran out: results of handlers still running are ignored; nothing more is acknowledged. */
    ABANDONED,
    /** The consumer is closed. */
    CLOSED
}
