package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void startsAndStopsARealBroker() {
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start()) {
            assertTrue(pulsar.isRunning());
            assertTrue(pulsar.serviceUrl().startsWith("pulsar://127.0.0.1:"), pulsar.serviceUrl());
        }
    }
}
