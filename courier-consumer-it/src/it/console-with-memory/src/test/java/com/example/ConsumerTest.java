package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.console.Console;
import io.courier.core.App;
import io.courier.core.MessageServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The console from its published jar alone: templates compiled into it, htmx served from it, inside an App. */
class ConsumerTest {

    @Test
    void theConsoleServesItsPagesInsideAnApp() throws Exception {
        try (Broker broker = Brokers.open("memory://console-consumer")) {
            MessageServer server = MessageServer.builder(broker).name("saver").build();
            server.register(SubscribeOptions.builder("orders", "saver").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, m -> { });
            Console console = Console.builder(broker).bind("127.0.0.1", 0).service(server).build();
            App app = App.builder().name("consumer").server(server, console).handleSignals(false).build();
            app.start();
            broker.publish("orders", "{}");
            HttpClient http = HttpClient.newHttpClient();
            String base = console.endpoint().orElseThrow().toString();
            HttpResponse<String> topics = http.send(HttpRequest.newBuilder(URI.create(base)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, topics.statusCode());
            assertTrue(topics.body().contains(">orders</a>"), topics.body());
            HttpResponse<String> service = http.send(HttpRequest.newBuilder(URI.create(base + "service")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(service.body().contains("saver"), service.body());
            HttpResponse<String> htmx = http.send(HttpRequest.newBuilder(URI.create(base + "static/htmx.min.js")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, htmx.statusCode());
            assertTrue(htmx.body().length() > 10_000);
            app.stop();
        }
    }
}
