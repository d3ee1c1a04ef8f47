package io.courier.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Puts the figures of one {@code ./bench.sh} run into the documents: every block between
 * {@code <!-- bench:NAME -->} and {@code <!-- /bench:NAME -->} in BENCHMARKS.md and README.md is replaced by the
 * run's {@link Fragments} of that name ({@code figures} is the README's table, gathered from every section's figure
 * rows). A block whose fragment the run did not write fails the report: a document never mixes runs.
 */
@Command(name = "bench-report", mixinStandardHelpOptions = true,
        description = "Writes one ./bench.sh run's tables into BENCHMARKS.md and README.md.")
final class BenchReport implements Callable<Integer> {
    /** The order of the README's figure rows. */
    private static final List<String> FIGURE_SECTIONS = List.of("pulsar", "kafka", "rabbitmq", "nats", "outbox", "latency",
            "memory", "gateway");
    private static final Pattern BLOCK = Pattern.compile("(<!-- bench:([a-z-]+) -->\\n)(.*?)(<!-- /bench:\\2 -->)",
            Pattern.DOTALL);

    @Option(names = "--fragments", paramLabel = "DIR", required = true, description = "Where the run wrote its tables.")
    Path fragments;

    @Option(names = "--stamp", paramLabel = "TEXT", required = true,
            description = "What run this was: date, commit, machine, as printed above each block.")
    String stamp;

    @Option(names = "--document", paramLabel = "FILE", required = true, description = "A document to update; repeatable.")
    List<Path> documents;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchReport()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        // every document is made first and written only when all could be: one missing fragment changes none
        List<String> updated = new ArrayList<>();
        for (Path document : documents) {
            Matcher m = BLOCK.matcher(Files.readString(document, StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String body = "_" + stamp + "_\n\n" + body(m.group(2)) + "\n";
                m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + body + m.group(4)));
            }
            m.appendTail(out);
            updated.add(out.toString());
        }
        for (int i = 0; i < documents.size(); i++) {
            Files.writeString(documents.get(i), updated.get(i), StandardCharsets.UTF_8);
            System.out.println("bench-report: " + documents.get(i) + " written from " + fragments);
        }
        return 0;
    }

    private String body(String name) throws IOException {
        if (!name.equals("figures")) {
            return read(name + ".md").strip();
        }
        List<String> rows = new ArrayList<>(List.of("| what | figure: median (per-round range) | set-up |", "|---|---|---|"));
        for (String section : FIGURE_SECTIONS) {
            rows.addAll(read(section + ".figures.md").strip().lines().toList());
        }
        return String.join("\n", rows);
    }

    private String read(String file) throws IOException {
        Path p = fragments.resolve(file);
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: this run did not measure it, and a document must not mix "
                    + "runs (run ./bench.sh in full)");
        }
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
