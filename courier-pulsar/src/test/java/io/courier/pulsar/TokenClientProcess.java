package io.courier.pulsar;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.testkit.Recorder;
import java.time.Duration;

/**
 * A service using a Pulsar with token authentication, for the logging test: {@code TokenClientProcess <service URL>
 * <admin URL>}, the token in {@code COURIER_PULSAR_AUTH_TOKEN}. Publishes, consumes, asks the admin API, closes, and
 * prints {@code DONE}.
 */
public final class TokenClientProcess {
    private TokenClientProcess() {
    }

    public static void main(String[] args) {
        String topic = "logged-" + System.nanoTime();
        try (Broker broker = Brokers.open(args[0], BrokerOptions.builder().property("adminUrl", args[1]).build())) {
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST).build(),
                    String.class, rec);
            broker.publish(Envelope.builder(topic, "hello").codec("text").build());
            rec.awaitCount(1, Duration.ofSeconds(30));
            broker.admin().backlog(topic, "s");
            broker.admin().topics();
        }
        System.out.println("DONE");
    }
}
