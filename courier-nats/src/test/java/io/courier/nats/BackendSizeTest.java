package io.courier.nats;

import io.courier.testkit.BackendSize;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guide's line count of this backend is its sources' own. */
class BackendSizeTest {
    @Test
    void theGuidesRowIsThisBackendsSize() {
        BackendSize.assertGuideRow(Path.of("..", "docs", "WRITING-A-BACKEND.md"), "nats://", Path.of("src", "main", "java"),
                List.of());
    }
}
