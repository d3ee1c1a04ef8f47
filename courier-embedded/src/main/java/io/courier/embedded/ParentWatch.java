package io.courier.embedded;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The child broker JVM's entry point: runs the broker's own main class and ends the JVM when the parent is gone.
 * The parent holds the write end of this JVM's standard input and never writes to it; when the parent ends for any
 * reason, SIGKILL included, the operating system closes it and the read here sees end-of-file. The broker is then
 * stopped as on SIGTERM (its shutdown hooks run) and halted if that takes longer than {@link #HALT_AFTER_SECONDS}.
 * Only the JDK is used here: this class runs on the broker's classpath.
 */
public final class ParentWatch {
    public static final int HALT_AFTER_SECONDS = 20;

    private ParentWatch() {
    }

    /** {@code args[0]} is the broker's main class, the rest its arguments. */
    public static void main(String[] args) throws Exception {
        Thread watch = new Thread(ParentWatch::exitWhenParentEnds, "courier-parent-watch");
        watch.setDaemon(true);
        watch.start();
        Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }

    private static void exitWhenParentEnds() {
        try {
            while (System.in.read() >= 0) {
                // the parent writes nothing; anything read is ignored
            }
        } catch (IOException e) {
            // a broken pipe means the same: the parent is gone
        }
        System.err.println("courier: the parent process has ended; stopping the embedded broker");
        Thread halt = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(HALT_AFTER_SECONDS));
            Runtime.getRuntime().halt(1);
        }, "courier-parent-watch-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(0);
    }
}
