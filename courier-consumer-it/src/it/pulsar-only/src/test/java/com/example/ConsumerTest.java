package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Brokers;
import io.courier.Codec;
import io.courier.ConnectException;
import io.courier.core.codec.Codecs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void openingFindsTheBackendAndFailsCleanlyWhenNoBrokerListens() {
        // the first Brokers.open loads the backend and its JSON support: a Jackson mix broke exactly here
        ConnectException e = assertThrows(ConnectException.class, () -> Brokers.open("pulsar://127.0.0.1:1?connectionTimeoutMs=2000&operationTimeoutMs=2000"));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        Codec json = Codecs.standard().byName("json");
        assertEquals(Map.of("a", 1), json.decode(json.encode(Map.of("a", 1)), Map.class));
    }
}
