package io.courier;

/** Where a subscription that does not exist yet starts reading. An existing subscription keeps its position. */
public enum InitialPosition {
    /** From the oldest message the topic still retains. */
    EARLIEST,
    /** Only messages published after the subscription is created. */
    LATEST
}
