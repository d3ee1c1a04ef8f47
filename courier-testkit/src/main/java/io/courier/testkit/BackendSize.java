package io.courier.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Keeps a backend's row of the line-count table in {@code docs/WRITING-A-BACKEND.md} equal to its sources: the lines
 * of its {@code src/main/java}, and of the files that face Courier (the rest being a broker the backend brings along,
 * as {@code memory://} does). The row sits between {@code <!-- lines:NAME -->} and {@code <!-- /lines:NAME -->}; run
 * with {@code -Dcourier.updateReadme=true} to rewrite it instead of checking it.
 */
public final class BackendSize {
    private BackendSize() {
    }

    /**
     * @param guide         the guide (from a module's tests: {@code ../docs/WRITING-A-BACKEND.md})
     * @param backend       the backend's name in the table, e.g. {@code pulsar://}
     * @param sources       the module's {@code src/main/java}
     * @param brokerItself  names of files that are the broker itself, not the adaptation (empty for most backends)
     */
    public static void assertGuideRow(Path guide, String backend, Path sources, List<String> brokerItself) {
        long all = 0;
        long facing = 0;
        int files = 0;
        try (Stream<Path> walk = Files.walk(sources)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                long n;
                try (Stream<String> lines = Files.lines(f)) {
                    n = lines.count();
                }
                all += n;
                files++;
                if (!brokerItself.contains(f.getFileName().toString().replace(".java", ""))) {
                    facing += n;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String row = String.format(Locale.ROOT, "| backend | lines | files | facing Courier |%n|---|---|---|---|%n"
                + "| `%s` | %,d | %d | %s |%n", backend, all, files,
                brokerItself.isEmpty() ? "all of it" : String.format(Locale.ROOT, "%,d (without %s)", facing,
                        String.join(", ", brokerItself.stream().map(n -> "`" + n + "`").toList())));
        ReadmeTables.assertBlock(guide, "lines:" + backend.replace("://", ""), row);
    }
}
