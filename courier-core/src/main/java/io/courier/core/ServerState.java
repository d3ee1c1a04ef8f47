package io.courier.core;

/** The states of a {@link Server} or an {@link App}. */
public enum ServerState {
    NEW, STARTING, RUNNING, STOPPING, STOPPED, FAILED
}
