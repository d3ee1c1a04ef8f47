package io.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Markdown a benchmark leaves for {@code ./bench.sh} to put into BENCHMARKS.md and README.md ({@link BenchReport}):
 * {@code <section>.md}, the section's tables, and {@code <section>.figures.md}, rows of the README's figure table
 * ({@code | what | figure | set-up |}). They go to the directory named by the system property
 * {@code courier.bench.out} (default {@code target/benchmarks}), each written whole by the run that measured it.
 */
final class Fragments {
    private Fragments() {
    }

    static Path dir() {
        return Path.of(System.getProperty("courier.bench.out", Path.of("target", "benchmarks").toString()));
    }

    /** Writes section {@code name}'s tables. */
    static void section(String name, String markdown) {
        write(name + ".md", markdown.endsWith("\n") ? markdown : markdown + "\n");
    }

    /** Writes section {@code name}'s rows of the README's figure table. */
    static void figures(String name, List<String> rows) {
        write(name + ".figures.md", String.join("\n", rows) + "\n");
    }

    /** A README figure row. */
    static String row(String what, String figure, String setUp) {
        return "| " + what + " | " + figure + " | " + setUp + " |";
    }

    private static void write(String file, String text) {
        try {
            Files.createDirectories(dir());
            Files.writeString(dir().resolve(file), text, StandardCharsets.UTF_8);
            System.out.println("written " + dir().resolve(file).toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + " in " + dir(), e);
        }
    }
}
