package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a generated section of the README (between {@code <!-- options:NAME -->} and {@code <!-- /options:NAME -->})
 * equal to what the code declares. Run the test with {@code -Dcourier.updateReadme=true} to rewrite the section
 * instead of checking it.
 */
public final class ReadmeTables {
    private ReadmeTables() {
    }

    /** Asserts (or, with {@code -Dcourier.updateReadme=true}, writes) the README section {@code name}. */
    public static void assertSection(Path readme, String name, String expected) {
        assertBlock(readme, "options:" + name, expected);
    }

    /**
     * Asserts (or, with {@code -Dcourier.updateReadme=true}, writes) the block of {@code document} between
     * {@code <!-- NAME -->} and {@code <!-- /NAME -->}.
     */
    public static void assertBlock(Path document, String name, String expected) {
        Path readme = document;
        String open = "<!-- " + name + " -->\n";
        String close = "<!-- /" + name + " -->";
        try {
            String text = Files.readString(readme);
            int start = text.indexOf(open);
            int end = text.indexOf(close);
            assertThat(start).as(document.getFileName() + " block " + open.trim() + " exists").isGreaterThanOrEqualTo(0);
            assertThat(end).as(document.getFileName() + " block " + close + " exists").isGreaterThan(start);
            String actual = text.substring(start + open.length(), end);
            if (Boolean.getBoolean("courier.updateReadme")) {
                Files.writeString(readme, text.substring(0, start + open.length()) + expected + text.substring(end));
                return;
            }
            assertThat(actual).as("block '" + name + "' of " + document.getFileName() + " matches the code (rerun with "
                    + "-Dcourier.updateReadme=true to rewrite it)").isEqualTo(expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
