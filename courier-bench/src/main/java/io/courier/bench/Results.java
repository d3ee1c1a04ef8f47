package io.courier.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Figures per workload and round: each is printed as it is recorded, and {@link #table()} gives median, min and max of
 * every workload as a Markdown table. Ratios are taken per round (contender / baseline of the same round), so that
 * drift between rounds cancels out. Not thread-safe: one benchmark thread records.
 */
final class Results {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    /** A run that reports messages per second. */
    @FunctionalInterface
    interface Run {
        double rate() throws Exception;
    }

    void record(String name, int round, double perSecond) {
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(perSecond);
        System.out.printf(Locale.ROOT, "round %d  %-52s %,12.0f %s%n", round, name, perSecond,
                name.startsWith("bytes/msg") ? "B" : "msg/s");
    }

    /**
     * Records a run's rate and, for the same interval, the bytes all live threads allocated per message, the time this
     * JVM spent in garbage collection, and the live heap's high-water mark: the most heap still in use right after a
     * collection (garbage excluded, so it is what the run kept alive, not how lazily the collector ran).
     */
    void measured(String name, int round, int n, Run run) {
        LiveHeap.reset();
        long before = allocated();
        long gcBefore = gc()[1];
        double rate;
        try {
            rate = run.rate();
        } catch (Exception e) {
            throw new IllegalStateException(name + " failed in round " + round, e);
        }
        long bytes = allocated() - before;
        long gc = gc()[1] - gcBefore;
        long live = LiveHeap.peak();
        record(name, round, rate);
        values.computeIfAbsent("bytes/msg: " + name, k -> new ArrayList<>()).add((double) bytes / n);
        values.computeIfAbsent("GC ms: " + name, k -> new ArrayList<>()).add((double) gc);
        if (live > 0) {   // zero: no collection ran during this run, so there is no after-collection figure
            values.computeIfAbsent("live heap peak MiB: " + name, k -> new ArrayList<>()).add(live / 1048576.0);
        }
        System.out.printf(Locale.ROOT, "round %d  %-52s %,8.0f B allocated per message, %,d ms in GC, live heap peak %s%n",
                round, name, (double) bytes / n, gc, live > 0 ? String.format(Locale.ROOT, "%,.0f MiB", live / 1048576.0)
                        : "- (no collection)");
    }

    /** Collections and milliseconds spent collecting so far, over every collector of this JVM. */
    static long[] gc() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            millis += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** The most heap in use after any collection since {@link #reset()}, from the collectors' notifications. */
    private static final class LiveHeap {
        private static final AtomicLong PEAK = new AtomicLong();

        static {
            for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (b instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((notification, handback) -> {
                        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                            return;
                        }
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                                (CompositeData) notification.getUserData());
                        long used = 0;
                        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                            MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                            if (pool.getType() == MemoryType.HEAP && after != null) {
                                used += after.getUsed();
                            }
                        }
                        PEAK.accumulateAndGet(used, Math::max);
                    }, null, null);
                }
            }
        }

        static void reset() {
            PEAK.set(0);
        }

        static long peak() {
            return PEAK.get();
        }
    }

    /**
     * Bytes allocated so far by the live threads of this JVM. A thread that ends takes its count with it: measured
     * runs keep their threads alive until the count is taken (consume runs stop their servers afterwards).
     */
    static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    /** Records under {@code name} the highest of this round's {@code rates}. */
    void best(int round, String name, String... rates) {
        double best = 0;
        String which = null;
        for (String r : rates) {
            List<Double> v = values.get(r);
            double last = v.get(v.size() - 1);
            if (last > best) {
                best = last;
                which = r;
            }
        }
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(best);
        System.out.printf(Locale.ROOT, "round %d  %-52s %,12.0f msg/s (%s)%n", round, name, best, which);
    }

    void ratio(int round, String contender, String baseline) {
        List<Double> c = values.get(contender);
        List<Double> b = values.get(baseline);
        double r = c.get(c.size() - 1) / b.get(b.size() - 1);
        values.computeIfAbsent("ratio: " + contender + " / " + baseline, k -> new ArrayList<>()).add(r);
        System.out.printf(Locale.ROOT, "round %d  ratio %s / %s = %.2f%n", round, contender, baseline, r);
    }

    static double rate(int n, long startNanos) {
        return n / ((System.nanoTime() - startNanos) / 1e9);
    }

    /** The median: the middle value, or the mean of the two middle values of an even count. */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }

    String table() {
        return table(name -> true);
    }

    /** The median of {@code name}'s values with their range, as the README quotes it: {@code 0.93 (0.88–0.97)}. */
    String summary(String name, String format) {
        List<Double> list = values.get(name);
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException("nothing recorded as '" + name + "'");
        }
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(list), Collections.min(list),
                Collections.max(list));
    }

    /** {@link #summary} of the ratio {@code contender / baseline}, taken per round. */
    String ratioSummary(String contender, String baseline) {
        return summary("ratio: " + contender + " / " + baseline, "%.2f");
    }

    /** The workloads whose names {@code include} accepts, as a Markdown table. */
    String table(java.util.function.Predicate<String> include) {
        StringBuilder out = new StringBuilder("| workload | median | min | max | per round |\n|---|---|---|---|---|\n");
        values.forEach((name, list) -> {
            if (!include.test(name)) {
                return;
            }
            String fmt = name.startsWith("ratio") ? "%.2f" : name.startsWith("bytes/msg") ? "%,.0f B"
                    : name.startsWith("live heap") ? "%,.0f MiB" : name.startsWith("GC ms") ? "%,.0f ms" : "%,.0f msg/s";
            StringBuilder perRound = new StringBuilder();
            for (double v : list) {
                perRound.append(perRound.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT,
                        name.startsWith("ratio") ? "%.2f" : "%,.0f", v));
            }
            String line = name.startsWith("ratio") ? "| **%s** | **" + fmt + "** | " + fmt + " | " + fmt + " | %s |%n"
                    : "| %s | " + fmt + " | " + fmt + " | " + fmt + " | %s |%n";
            out.append(String.format(Locale.ROOT, line, name, median(list), Collections.min(list), Collections.max(list),
                    perRound));
        });
        return out.toString();
    }
}
