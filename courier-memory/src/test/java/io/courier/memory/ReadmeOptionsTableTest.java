package io.courier.memory;

import io.courier.testkit.ReadmeTables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's table of {@code memory://} settings is the declaration's own. */
class ReadmeOptionsTableTest {
    @Test
    void readmeTableMatchesTheDeclaration() {
        ReadmeTables.assertSection(Path.of("..", "README.md"), "memory", MemorySettings.DECLARED.markdownTable());
    }
}
