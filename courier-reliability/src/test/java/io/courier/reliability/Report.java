package io.courier.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One result line per scenario, printed and appended to {@code target/reliability.txt}, from which RELIABILITY.md's
 * table is filled.
 */
final class Report {
    private static final Path FILE = Path.of("target", "reliability.txt");

    private Report() {
    }

    static synchronized void line(String scenario, String format, Object... args) {
        String line = "[reliability] " + scenario + ": " + String.format(format, args);
        System.out.println(line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
