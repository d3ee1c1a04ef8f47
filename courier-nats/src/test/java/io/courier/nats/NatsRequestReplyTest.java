package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.InvalidTopicException;
import io.courier.NoResponderException;
import io.courier.SubscribeOptions;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.RequestRestartLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request/reply on a private NATS server: 10,000 requests across a responder's restart ({@link RequestRestartLoad}:
 * each answered once, or refused with a {@link NoResponderException} while nobody listened), and the subjects Courier
 * keeps for itself.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsRequestReplyTest {
    private final String url = EmbeddedNatsExtension.shared().url();

    @Test
    void tenThousandRequestsAcrossAResponderRestartEachAnsweredOnceOrRefusedTyped() throws Exception {
        new RequestRestartLoad(() -> Brokers.open(url), "nats").run(10_000, 64, Duration.ofSeconds(5));
    }

    @Test
    void topicsInCouriersOwnSubjectsAreRefusedSoNoStreamCanSwallowARequest() {
        try (Broker b = Brokers.open(url)) {
            assertThatThrownBy(() -> b.publish(NatsRequests.PREFIX + "orders", "x"))
                    .isInstanceOf(InvalidTopicException.class).hasMessageContaining("_courier.");
            assertThatThrownBy(() -> b.respond(SubscribeOptions.builder("_courier.x", "g").build(), String.class,
                    m -> "x")).isInstanceOf(InvalidTopicException.class);
        }
    }
}
