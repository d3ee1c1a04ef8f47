package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void theRecorderAwaitsExactIds() {
        try (Broker broker = Brokers.open("memory://testkit-consumer")) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder("t", "s").initialPosition(InitialPosition.EARLIEST).build(), String.class, rec);
            var id = broker.publish(Envelope.builder("t", "hello").codec("text").build());
            rec.awaitIds(Set.of(id), Duration.ofSeconds(30));
            assertEquals(Set.of(id), rec.ids());
        }
    }
}
