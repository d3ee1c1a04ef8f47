package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A publisher that gives its message an id in the {@code Nats-Msg-Id} header gets JetStream's de-duplication: the
 * same id published again within the stream's duplicate window (two minutes) is not stored again, and the publish
 * completes with the id of the message stored first, so a publish retried after a lost acknowledgement stores once.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsDeduplicationTest {

    @Test
    void aMessageIdPublishedAgainWithinTheWindowIsStoredOnce() {
        String topic = "dedup-" + UUID.randomUUID().toString().substring(0, 8);
        try (Broker broker = Brokers.open(EmbeddedNatsExtension.shared().url())) {
            Recorder<String> received = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "orders").build(), String.class, received);
            MessageId first = broker.publish(Envelope.builder(topic, "order-1").header("Nats-Msg-Id", "order-1").build());
            MessageId again = broker.publish(Envelope.builder(topic, "order-1 retried").header("Nats-Msg-Id", "order-1")
                    .build());
            MessageId other = broker.publish(Envelope.builder(topic, "order-2").header("Nats-Msg-Id", "order-2").build());
            assertThat(again).isEqualTo(first);
            assertThat(other).isNotEqualTo(first);
            received.awaitCount(2, Duration.ofSeconds(30));
            assertThat(received.payloads()).containsExactly("order-1", "order-2");
            assertThat(received.ids()).containsExactlyInAnyOrder(first, other);
            // the stream holds two messages: the retried one was never stored
            assertThat(broker.admin().topics()).filteredOn(t -> t.name().equals(topic)).singleElement()
                    .satisfies(t -> assertThat(t.published()).hasValue(2));
        }
    }
}
