package io.courier.core;

/**
 * The JVM shutdown hook through which SIGINT and SIGTERM stop an {@link App}: installed once it has started, removed
 * once it has stopped (unless the hook itself is what stops it, or the JVM is already exiting). Thread-safe.
 */
final class SignalHook {
    private Thread hook;

    synchronized void install(Runnable stop) {
        hook = new Thread(stop, "courier-app-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    synchronized void remove() {
        if (hook == null || Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the JVM is exiting: the hook is running or about to
        }
        hook = null;
    }
}
