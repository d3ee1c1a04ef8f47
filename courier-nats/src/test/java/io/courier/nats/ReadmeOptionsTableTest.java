package io.courier.nats;

import io.courier.testkit.ReadmeTables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's table of NATS settings is the declaration's own. */
class ReadmeOptionsTableTest {
    @Test
    void readmeTableMatchesTheDeclaration() {
        ReadmeTables.assertSection(Path.of("..", "README.md"), "nats", NatsSettings.DECLARED.markdownTable());
    }
}
