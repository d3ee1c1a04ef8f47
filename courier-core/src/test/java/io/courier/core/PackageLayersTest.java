package io.courier.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of courier-core point one way (docs/WRITING-A-BACKEND.md): codec, then spi (what a backend implements
 * and reads), then internal (the engine), then kit (the base class a backend extends), then the public package (App,
 * MessageServer). A package imports only those before it, so no two import each other; and nothing outside the engine
 * casts a {@code Subscription} to the engine's class.
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "courier", "core");
    private static final Map<String, Integer> LAYER = Map.of("codec", 0, "spi", 1, "internal", 2, "kit", 3, "", 4);
    private static final Pattern IMPORT = Pattern.compile("^import io\\.courier\\.core(?:\\.([a-z]+))?\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void everyPackageImportsOnlyThePackagesBeforeIt() throws IOException {
        List<String> backwards = new ArrayList<>();
        List<String> downcasts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path dir = SOURCES.relativize(file.getParent());
                String pkg = dir.toString();
                assertThat(LAYER).as("package io.courier.core.%s has a layer", pkg).containsKey(pkg);
                String source = Files.readString(file);
                Matcher m = IMPORT.matcher(source);
                while (m.find()) {
                    String target = m.group(1) == null ? "" : m.group(1);
                    if (LAYER.get(target) > LAYER.get(pkg)) {
                        backwards.add(file.getFileName() + " (" + show(pkg) + ") imports " + show(target));
                    }
                }
                if (!pkg.equals("internal") && source.matches("(?s).*(\\(Dispatcher<[^>]*>\\)|instanceof Dispatcher).*")) {
                    downcasts.add(file.getFileName().toString());
                }
            }
        }
        assertThat(backwards).as("imports against the layers codec < spi < internal < kit < core").isEmpty();
        assertThat(downcasts).as("casts of a Subscription to the engine's Dispatcher outside the engine").isEmpty();
    }

    private static String show(String pkg) {
        return pkg.isEmpty() ? "io.courier.core" : "io.courier.core." + pkg;
    }
}
