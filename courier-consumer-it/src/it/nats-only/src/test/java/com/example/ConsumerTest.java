package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.ConnectException;
import io.courier.NoResponderException;
import io.courier.SubscribeOptions;
import io.courier.nats.embedded.EmbeddedNats;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    @Test
    void publishesSubscribesAndAsksOnAPrivateServer() throws Exception {
        try (EmbeddedNats nats = EmbeddedNats.builder().build().start();
             Broker broker = Brokers.open(nats.url())) {
            CompletableFuture<String> received = new CompletableFuture<>();
            broker.subscribe(SubscribeOptions.builder("orders.created", "billing").build(), String.class,
                    m -> received.complete(m.payload()));
            broker.publish("orders.created", "order-1");
            assertEquals("order-1", received.get(30, TimeUnit.SECONDS));

            assertThrows(NoResponderException.class,
                    () -> broker.request("orders.price", "order-1", Integer.class, Duration.ofSeconds(5)));
            broker.respond(SubscribeOptions.builder("orders.price", "pricing").build(), String.class,
                    m -> m.payload().length());
            assertEquals(7, broker.request("orders.price", "order-1", Integer.class, Duration.ofSeconds(5)));
        }
    }

    @Test
    void badUrlsFailCleanly() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> Brokers.open("nats://127.0.0.1:1?connectTimeoutMs=2000"));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        ConfigurationException bad = assertThrows(ConfigurationException.class,
                () -> Brokers.open("nats://127.0.0.1:4222?colour=red&password=not-shown"));
        assertTrue(bad.getMessage().contains("colour"), bad.getMessage());
        assertFalse(bad.getMessage().contains("not-shown"), bad.getMessage());
    }
}
