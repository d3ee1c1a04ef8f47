package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Codec;
import io.courier.core.codec.Codecs;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    record Order(String id, Instant at) {
    }

    @Test
    void theJsonCodecRoundTripsWithTheJacksonItBrings() {
        Codec json = Codecs.standard().byName("json");
        Order o = new Order("o-1", Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals(o, json.decode(json.encode(o), Order.class));
    }
}
