package io.courier.kafka;

import io.courier.testkit.ReadmeTables;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's table of Kafka settings is the declaration's own. */
class ReadmeOptionsTableTest {
    @Test
    void readmeTableMatchesTheDeclaration() {
        ReadmeTables.assertSection(Path.of("..", "README.md"), "kafka", KafkaSettings.DECLARED.markdownTable());
    }
}
