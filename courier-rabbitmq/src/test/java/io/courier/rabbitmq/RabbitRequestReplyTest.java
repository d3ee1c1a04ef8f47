package io.courier.rabbitmq;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.InvalidTopicException;
import io.courier.NoResponderException;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMqExtension;
import io.courier.testkit.RequestRestartLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request/reply on a private RabbitMQ node: 10,000 requests across a responder's restart ({@link RequestRestartLoad}:
 * each answered once, or refused with a {@link NoResponderException} while nobody listened), and the exchange Courier
 * keeps for itself.
 */
@ExtendWith(EmbeddedRabbitMqExtension.class)
class RabbitRequestReplyTest {
    private final String url = EmbeddedRabbitMqExtension.shared().url();

    @Test
    void tenThousandRequestsAcrossAResponderRestartEachAnsweredOnceOrRefusedTyped() throws Exception {
        new RequestRestartLoad(() -> Brokers.open(url), "rabbitmq").run(10_000, 64, Duration.ofSeconds(5));
    }

    @Test
    void theRequestsExchangeIsNoTopic() {
        try (Broker b = Brokers.open(url)) {
            assertThatThrownBy(() -> b.publish(RabbitRequests.EXCHANGE, "x")).isInstanceOf(InvalidTopicException.class)
                    .hasMessageContaining("requests");
        }
    }
}
