package io.courier.pulsar;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Brokers;
import io.courier.ConfigurationException;
import org.junit.jupiter.api.Test;

/** URL mistakes refused before any connection is tried (no broker needed). */
class PulsarUrlTest {

    @Test
    void userInfoCredentialsAreRefusedNamingTheTokenPropertyAndHidingThePassword() {
        for (String url : new String[] {"pulsar://admin:s3cret@127.0.0.1:6650", "pulsar+ssl://admin:p@ss@127.0.0.1:6651",
                "pulsar://token-only@127.0.0.1:6650"}) {
            assertThatThrownBy(() -> Brokers.open(url))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("authToken")
                    .hasMessageNotContaining("s3cret").hasMessageNotContaining("p@ss").hasMessageNotContaining("admin")
                    .hasMessageNotContaining("token-only");
        }
    }
}
