package io.courier.core.internal;

import java.util.Collection;

/**
 * The threads that run handlers (a subscription's receiver and workers), each knowing the subscription it belongs
 * to: a stop called from a handler must not wait for that handler, so the stopping code asks here whether it runs on
 * one. Daemon threads: Courier's threads never keep a JVM alive by themselves. Thread-safe.
 */
public final class HandlerThreads {
    private HandlerThreads() {
    }

    private static final class Own extends Thread {
        final Object owner;

        Own(Object owner, Runnable task, String name) {
            super(task, name);
            this.owner = owner;
            setDaemon(true);
        }
    }

    /** A new (not started) thread of {@code owner}'s. */
    static Thread newThread(Object owner, Runnable task, String name) {
        return new Own(owner, task, name);
    }

    /** True when the calling thread runs handlers of any subscription. */
    public static boolean onAny() {
        return Thread.currentThread() instanceof Own;
    }

    /** True when the calling thread runs handlers of one of {@code owners} (compared by identity). */
    public static boolean onOneOf(Collection<?> owners) {
        if (!(Thread.currentThread() instanceof Own own)) {
            return false;
        }
        for (Object o : owners) {
            if (o == own.owner) {
                return true;
            }
        }
        return false;
    }
}
