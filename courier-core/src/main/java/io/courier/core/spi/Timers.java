package io.courier.core.spi;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** One daemon timer thread shared by every subscription and backend of this JVM: handler-timeout watchdogs, retry backoffs, delayed deliveries. */
public final class Timers {
    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        TIMER = new ScheduledThreadPoolExecutor(1, daemonThreads("courier-timer"));
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private Timers() {
    }

    public static ScheduledExecutorService shared() {
        return TIMER;
    }

    /** A factory of daemon threads named {@code prefix-N}: Courier threads never keep a JVM alive by themselves. */
    public static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
