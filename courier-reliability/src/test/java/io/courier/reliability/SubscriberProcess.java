package io.courier.reliability;

import io.courier.BrokerOptions;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.App;
import io.courier.core.MessageServer;
import io.courier.core.ServerState;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The subscriber the crash and slow-consumer scenarios run in a child JVM: an {@link App} with one
 * {@link MessageServer} that handles its signals (SIGTERM drains). Arguments are {@code name=value}:
 * {@code url topic subscription mode=hold|slow concurrency maxInFlight handleFirst ratePerSecond}.
 *
 * <p>It reports on stdout, one line each: {@code READY}; {@code HANDLED <key>} when a handler returns;
 * {@code HELD <key>} when a handler (mode {@code hold}, after the first {@code handleFirst}) blocks for good;
 * {@code HEAP <bytes>} every 500 ms, the heap in use right after a full collection (the live set);
 * {@code STOPPING handled=<n> inFlight=<m>} when the App begins to stop and {@code STOPPED handled=<n>
 * startedWhileStopping=<k>} when it has (k: handlers that began after the message server's stop had begun).
 */
public final class SubscriberProcess {
    private SubscriberProcess() {
    }

    public static void main(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        String mode = args.get("mode");
        int concurrency = Integer.parseInt(args.getOrDefault("concurrency", "1"));
        int maxInFlight = Integer.parseInt(args.getOrDefault("maxInFlight", "1000"));
        int handleFirst = Integer.parseInt(args.getOrDefault("handleFirst", "0"));
        long pauseNanos = TimeUnit.SECONDS.toNanos(1) / Integer.parseInt(args.getOrDefault("ratePerSecond", "100"));
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger startedWhileStopping = new AtomicInteger();
        AtomicLong nextSlot = new AtomicLong(System.nanoTime());
        CountDownLatch never = new CountDownLatch(1);

        MessageServer server = MessageServer.builder(args.get("url"), BrokerOptions.defaults()).name("child").build();
        server.register(SubscribeOptions.builder(args.get("topic"), args.get("subscription"))
                .type(SubscriptionType.SHARED).initialPosition(InitialPosition.EARLIEST)
                .ordering(Ordering.UNORDERED).concurrency(concurrency).maxInFlight(maxInFlight).build(), byte[].class, message -> {
                    String key = message.key().orElseThrow();
                    if (server.state() != ServerState.RUNNING) {
                        startedWhileStopping.incrementAndGet();   // taken after the stop had begun
                    }
                    if ("hold".equals(mode) && handled.get() >= handleFirst) {
                        say("HELD " + key);
                        never.await();
                    }
                    if ("slow".equals(mode)) {
                        // paced, not slept: a fixed rate whatever the per-message overhead
                        long now = System.nanoTime();
                        long slot = nextSlot.updateAndGet(s -> Math.max(s, now) + pauseNanos);
                        LockSupport.parkNanos(slot - now);
                    }
                    handled.incrementAndGet();
                    say("HANDLED " + key);
                });
        Thread heap = new Thread(SubscriberProcess::reportHeap, "heap-sampler");
        heap.setDaemon(true);
        App app = App.builder().name("child-subscriber").server(server).stopTimeout(Duration.ofSeconds(20))
                .handleSignals(true).afterStart(a -> {
                    say("READY");
                    heap.start();
                })
                // what the App held when the stop began, and what it had handled by then and after draining
                .beforeStop(a -> say("STOPPING handled=" + handled.get() + " inFlight="
                        + server.health().stream().mapToInt(h -> h.inFlight()).sum()))
                .afterStop(a -> say("STOPPED handled=" + handled.get() + " startedWhileStopping="
                        + startedWhileStopping.get())).build();
        app.run();
    }

    private static void reportHeap() {
        while (true) {
            System.gc();
            say("HEAP " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
