package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.core.App;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    record Order(String id, int quantity) {
    }

    @Test
    void publishAndHandleThroughAnApp() throws Exception {
        try (Broker broker = Brokers.open("memory://consumer")) {
            BlockingQueue<Order> got = new ArrayBlockingQueue<>(1);
            MessageServer server = MessageServer.builder(broker).build();
            server.register(SubscribeOptions.builder("orders", "saver").initialPosition(InitialPosition.EARLIEST).build(),
                    Order.class, m -> got.add(m.payload()));
            App app = App.builder().name("consumer").server(server).handleSignals(false).build();
            app.start();
            broker.publish(Envelope.of("orders", new Order("o-1", 2)));
            assertEquals(new Order("o-1", 2), got.poll(30, TimeUnit.SECONDS));
            app.stop();
        }
    }
}
