package io.courier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.SourceContext;
import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Payloads on the pages by content type: protobuf as JSON where the descriptor was given, base64 where not. */
class ConsolePayloadsTest {

    @Test
    void protobufIsShownAsJsonThroughItsDescriptorAndAsBase64Without() throws Exception {
        String known = "proto-known-" + UUID.randomUUID().toString().substring(0, 8);
        String unknown = "proto-unknown-" + UUID.randomUUID().toString().substring(0, 8);
        try (Broker broker = Brokers.open("memory://console-payloads-" + UUID.randomUUID())) {
            SourceContext message = SourceContext.newBuilder().setFileName("orders.proto").build();
            for (String topic : new String[] {known, unknown}) {
                // the memory broker keeps messages for subscriptions (retention 0 by default)
                broker.subscribe(io.courier.SubscribeOptions.builder(topic, "keep").build(), byte[].class, m -> { }).close();
            }
            broker.publish(Envelope.builder(known, message).codec("proto").build());
            broker.publish(Envelope.builder(unknown, message).codec("proto").build());
            Console console = Console.builder(broker).bind("127.0.0.1", 0).protobuf(known, SourceContext.getDescriptor()).build();
            console.start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String base = console.endpoint().orElseThrow().toString();
                String knownPage = http.send(HttpRequest.newBuilder(URI.create(base + "topic?name=" + known)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(knownPage).contains("\"fileName\": \"orders.proto\"");
                String unknownPage = http.send(HttpRequest.newBuilder(URI.create(base + "topic?name=" + unknown)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(unknownPage).contains("base64: " + java.util.Base64.getEncoder().encodeToString(message.toByteArray())
                        + " (application/x-protobuf)");
            } finally {
                console.stop(Duration.ofSeconds(1));
            }
        }
    }
}
