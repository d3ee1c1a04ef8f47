package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Brokers;
import io.courier.ConfigurationException;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void anUnknownSchemeNamesTheModuleToAdd() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Brokers.open("memory://x"));
        assertTrue(e.getMessage().contains("io.courier:courier-memory"), e.getMessage());
    }
}
