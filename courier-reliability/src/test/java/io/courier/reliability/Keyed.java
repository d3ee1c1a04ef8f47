package io.courier.reliability;

import io.courier.Broker;
import io.courier.Envelope;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Messages told apart by their key ({@code m-0}, {@code m-1}, ...), which is what the scenarios count. */
final class Keyed {
    private Keyed() {
    }

    /** Publishes {@code n} messages of {@code payloadBytes} zero bytes, waits until all are stored, returns the keys. */
    static Set<String> publish(Broker broker, String topic, int n, int payloadBytes) throws Exception {
        Set<String> keys = new LinkedHashSet<>();
        CompletableFuture<?>[] sent = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            String key = "m-" + i;
            keys.add(key);
            sent[i] = broker.publishAsync(Envelope.builder(topic, new byte[payloadBytes]).key(key).codec("bytes").build());
        }
        CompletableFuture.allOf(sent).get(60, TimeUnit.SECONDS);
        return keys;
    }
}
