package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Brokers;
import io.courier.Codec;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.core.codec.Codecs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void openingFindsTheBackendAndFailsCleanlyWhenNoBrokerListens() {
        ConnectException e = assertThrows(ConnectException.class, () -> Brokers.open("kafka://127.0.0.1:1?apiTimeoutMs=2000"));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        ConfigurationException bad = assertThrows(ConfigurationException.class, () -> Brokers.open("kafka://127.0.0.1:9092?colour=red"));
        assertTrue(bad.getMessage().contains("colour"), bad.getMessage());
        Codec json = Codecs.standard().byName("json");
        assertEquals(Map.of("a", 1), json.decode(json.encode(Map.of("a", 1)), Map.class));
    }
}
