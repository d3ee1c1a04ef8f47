package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Headers;
import io.courier.MessageId;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A callback-driven library behind the pull-style RawConsumer: never blocks the callback, pauses it when full. */
class PushConsumerTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final PushConsumer consumer = new PushConsumer(4, new PushConsumer.Settler() {
        @Override
        public void ack(RawMessage m) {
            events.add("ack " + m.id());
        }

        @Override
        public void nack(RawMessage m) {
            events.add("nack " + m.id());
        }
    }, new PushConsumer.FlowControl() {
        @Override
        public void pause() {
            events.add("pause");
        }

        @Override
        public void resume() {
            events.add("resume");
        }
    }, () -> events.add("closed"));

    private static RawMessage message(int n) {
        return new RawMessage("t", MessageId.of("m" + n), null, Headers.empty(), new byte[0], Instant.EPOCH, null, 0, n);
    }

    @Test
    void theLibraryIsPausedAtCapacityAndResumedAtHalf() throws Exception {
        for (int i = 1; i <= 5; i++) {
            consumer.push(message(i));
        }
        assertThat(events).containsExactly("pause");
        assertThat(consumer.queued()).isEqualTo(5);
        assertThat(consumer.receive(1, TimeUnit.MILLISECONDS).id().value()).isEqualTo("m1");
        assertThat(consumer.receive(1, TimeUnit.MILLISECONDS).id().value()).isEqualTo("m2");
        assertThat(events).containsExactly("pause");
        consumer.receive(1, TimeUnit.MILLISECONDS);
        assertThat(events).containsExactly("pause", "resume");
        RawMessage fourth = consumer.receive(1, TimeUnit.MILLISECONDS);
        consumer.ack(fourth);
        assertThat(events).endsWith("ack m4");
    }

    @Test
    void whatIsQueuedOrPushedAfterCloseIsHandedBack() throws Exception {
        consumer.push(message(1));
        consumer.push(message(2));
        consumer.receive(1, TimeUnit.MILLISECONDS);
        consumer.close();
        consumer.push(message(3));
        consumer.close();
        assertThat(events).containsExactly("closed", "nack m2", "nack m3");
        assertThat(consumer.receive(1, TimeUnit.MILLISECONDS)).isNull();
        assertThatThrownBy(() -> new PushConsumer(0, null, PushConsumer.FlowControl.NONE, () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
