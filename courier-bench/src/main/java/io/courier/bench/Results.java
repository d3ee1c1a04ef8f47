package io.courier.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        System.out.printf(Locale.ROOT, "round %d  %-52s %,12.0f msg/s%n", round, name, perSecond);
    }

    /**
     * Records a consume run's rate, the bytes all live threads allocated per message during it, and the heap's
     * high-water mark (peak of the heap pools since the run began, garbage included, in this JVM).
     */
    void measured(String name, int round, int n, Run run) {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        long before = allocated();
        double rate;
        try {
            rate = run.rate();
        } catch (Exception e) {
            throw new IllegalStateException(name + " failed in round " + round, e);
        }
        long bytes = allocated() - before;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        record(name, round, rate);
        values.computeIfAbsent("bytes/msg: " + name, k -> new ArrayList<>()).add((double) bytes / n);
        values.computeIfAbsent("heap peak MiB: " + name, k -> new ArrayList<>()).add(peak / 1048576.0);
        System.out.printf(Locale.ROOT, "round %d  %-52s %,8.0f B allocated per message, heap peak %,.0f MiB%n", round, name,
                (double) bytes / n, peak / 1048576.0);
    }

    private static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
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
        StringBuilder out = new StringBuilder("| workload | median | min | max | per round |\n|---|---|---|---|---|\n");
        values.forEach((name, list) -> {
            String fmt = name.startsWith("ratio") ? "%.2f" : name.startsWith("bytes/msg") ? "%,.0f B"
                    : name.startsWith("heap peak") ? "%,.0f MiB" : "%,.0f msg/s";
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
