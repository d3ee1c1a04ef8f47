package com.example;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void openingFindsTheBackendAndFailsCleanlyWhenNoBrokerListens() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> Brokers.open("amqp://127.0.0.1:1?connectTimeoutMs=2000"));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        ConfigurationException bad = assertThrows(ConfigurationException.class,
                () -> Brokers.open("amqp://127.0.0.1:5672?colour=red&password=not-shown"));
        assertTrue(bad.getMessage().contains("colour"), bad.getMessage());
        assertTrue(!bad.getMessage().contains("not-shown"), bad.getMessage());
    }
}
