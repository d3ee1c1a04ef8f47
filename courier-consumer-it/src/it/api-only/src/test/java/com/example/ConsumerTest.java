package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import io.courier.Brokers;
import io.courier.ConfigurationException;

class ConsumerTest {
    @Test
    void anUnknownSchemeNamesTheModuleToAdd() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Brokers.open("memory://x"));
        assertTrue(e.getMessage().contains("io.courier:courier-memory"), e.getMessage());
    }
}
