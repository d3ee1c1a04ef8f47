package io.courier.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuickstartTest {

    @Test
    void everyPublishedEventIsStoredOnce() {
        QuickstartMain.Result result = QuickstartMain.run("memory://quickstart-test", 2_000, Duration.ofSeconds(30));
        assertThat(result.stored()).isEqualTo(2_000);
        assertThat(result.published()).isEqualTo(2_000);
    }
}
