package io.courier.core;

import io.courier.LifecycleException;

/**
 * The states of one {@link Server} and its moves, written once for every server (an {@link App}, a
 * {@link MessageServer}, an HTTP server): {@code NEW → STARTING → RUNNING → STOPPING → STOPPED}, or {@code → FAILED}
 * when a start or a stop fails. A start of a running or starting server and a stop of a stopped or stopping one do
 * nothing; starting a stopped or failed server throws. Thread-safe.
 *
 * <pre>{@code
 * public void start() {
 *     if (!lifecycle.beginStart()) return;   // running already
 *     try { ...listen...; lifecycle.started(); } catch (RuntimeException e) { lifecycle.failed(); throw e; }
 * }
 * public void stop(Duration grace) {
 *     if (lifecycle.beginStop() != ServerLifecycle.Stop.NOW) return;
 *     ...close...; lifecycle.stopped();
 * }
 * }</pre>
 */
public final class ServerLifecycle {
    private final String what;
    private ServerState state = ServerState.NEW;

    /** @param what the server as messages name it, e.g. {@code console 'ops'} */
    public ServerLifecycle(String what) {
        this.what = what;
    }

    public synchronized ServerState state() {
        return state;
    }

    /**
     * Moves NEW to STARTING: true, and the caller starts the server now; false when it is starting or running already.
     *
     * @throws LifecycleException when it is stopping, stopped or failed
     */
    public synchronized boolean beginStart() {
        if (state == ServerState.RUNNING || state == ServerState.STARTING) {
            return false;
        }
        if (state != ServerState.NEW) {
            throw new LifecycleException(what + " cannot start from state " + state);
        }
        state = ServerState.STARTING;
        return true;
    }

    /** The start is done: RUNNING. */
    public synchronized void started() {
        state = ServerState.RUNNING;
    }

    /** A start or stop failed: FAILED. */
    public synchronized void failed() {
        state = ServerState.FAILED;
    }

    /** What a stop request finds. */
    public enum Stop {
        /** It was running (or starting): now STOPPING, and the caller stops it. */
        NOW,
        /** It never ran (NEW or FAILED): now STOPPED; the caller releases what it holds, if anything. */
        NEVER_STARTED,
        /** Another stop is under way or done: nothing to do. */
        ALREADY
    }

    /** Moves to STOPPING or STOPPED as a stop request should; says what the caller has to do. */
    public synchronized Stop beginStop() {
        switch (state) {
            case RUNNING, STARTING -> {
                state = ServerState.STOPPING;
                return Stop.NOW;
            }
            case NEW, FAILED -> {
                state = ServerState.STOPPED;
                return Stop.NEVER_STARTED;
            }
            default -> {
                return Stop.ALREADY;
            }
        }
    }

    /** The stop is done: STOPPED. */
    public synchronized void stopped() {
        state = ServerState.STOPPED;
    }

    /** True while the server may take new work: RUNNING or STARTING. */
    public synchronized boolean accepting() {
        return state == ServerState.RUNNING || state == ServerState.STARTING;
    }

    @Override
    public synchronized String toString() {
        return what + ": " + state;
    }
}
