package io.courier.core.internal;

import io.courier.SubscriptionState;

/**
 * Where a subscription is in its life, as one state value. Moves:
 * <pre>
 * CREATED → RUNNING ⇄ PAUSED, RUNNING ⇄ FAILING (receiving fails, then works again), PAUSED ← FAILING
 * RUNNING | PAUSED | FAILING → HALTED (the failure policy stopped it: nothing more is handled or settled)
 * CREATED | RUNNING | PAUSED | FAILING → DRAINING → ABANDONED (the grace ran out) → CLOSED
 * HALTED → ABANDONED → CLOSED (a halted subscription waits for nothing)
 * </pre>
 * Reads are lock-free (one volatile field); moves are synchronized and wake {@link #awaitClosed()}. Thread-safe.
 */
final class SubscriptionLifecycle {

    enum State { CREATED, RUNNING, PAUSED, FAILING, HALTED, DRAINING, ABANDONED, CLOSED }

    private volatile State state = State.CREATED;
    private boolean drainedAtClose;

    State state() {
        return state;
    }

    /** Taking new messages: running, or failing to receive and trying again. */
    boolean receiving() {
        State s = state;
        return s == State.RUNNING || s == State.FAILING;
    }

    boolean paused() {
        return state == State.PAUSED;
    }

    /** Nothing more is handled or settled: halted by the policy, abandoned at close, or closed. */
    boolean stopped() {
        State s = state;
        return s == State.HALTED || s == State.ABANDONED || s == State.CLOSED;
    }

    /** Closing or closed. */
    boolean closing() {
        return state.compareTo(State.HALTED) >= 0;
    }

    synchronized void start() {
        if (state != State.CREATED) {
            throw new IllegalStateException("already started (" + state + ")");
        }
        state = State.RUNNING;
    }

    synchronized void pause() {
        if (state == State.RUNNING || state == State.FAILING) {
            state = State.PAUSED;
        }
    }

    synchronized void resume() {
        if (state == State.PAUSED) {
            state = State.RUNNING;
        }
    }

    /** A receive failed; true when it had worked until now (the first failure of a series, to log). */
    synchronized boolean receiveFailed() {
        if (state == State.RUNNING) {
            state = State.FAILING;
            return true;
        }
        return false;
    }

    /** A receive worked; true when it had been failing (to log the recovery). */
    synchronized boolean receiveWorked() {
        if (state == State.FAILING) {
            state = State.RUNNING;
            return true;
        }
        return false;
    }

    /** The failure policy stops the subscription; false when it is closing already. */
    synchronized boolean halt() {
        if (state == State.RUNNING || state == State.PAUSED || state == State.FAILING) {
            state = State.HALTED;
            return true;
        }
        return false;
    }

    /**
     * The first close: true, and the subscription is DRAINING (or ABANDONED when it was halted, since a halted
     * subscription settles nothing more and so waits for nothing). False when a close began before.
     */
    synchronized boolean beginClose() {
        switch (state) {
            case CREATED, RUNNING, PAUSED, FAILING -> state = State.DRAINING;
            case HALTED -> state = State.ABANDONED;
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The grace ran out: results of handlers still running are ignored. */
    synchronized void abandon() {
        if (state == State.DRAINING) {
            state = State.ABANDONED;
        }
    }

    synchronized void closed(boolean drained) {
        drainedAtClose = drained;
        state = State.CLOSED;
        notifyAll();
    }

    /** Waits until closed; whether everything in flight had finished within the grace. */
    synchronized boolean awaitClosed() {
        while (state != State.CLOSED) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return drainedAtClose;
    }

    /** The state health reports, before the in-flight messages' age is looked at (STALLED). */
    SubscriptionState reported() {
        return switch (state) {
            case CLOSED -> SubscriptionState.CLOSED;
            case HALTED, DRAINING, ABANDONED -> SubscriptionState.CLOSING;
            case FAILING -> SubscriptionState.FAILED;
            case PAUSED -> SubscriptionState.PAUSED;
            default -> SubscriptionState.RUNNING;
        };
    }

    @Override
    public String toString() {
        return state.name();
    }
}
