package io.courier.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code courier request URL TOPIC MESSAGE}: asks the responders of a topic and prints the reply. */
@Command(name = "request", mixinStandardHelpOptions = true,
        description = {"Send a request to the responders of a topic and print the reply as it came (UTF-8), on "
                + "backends with request/reply (nats://, amqp://, memory://).",
                "Fails, in one line, when nobody listens, no reply comes within --timeout, or the responder failed."})
final class RequestCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC", description = "The topic whose responders answer.")
    String topic;

    @Parameters(index = "2", paramLabel = "MESSAGE", description = "The request.")
    String message;

    @Option(names = {"-k", "--key"}, paramLabel = "KEY", description = "The request's key.")
    String key;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "A header, repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "json",
            description = "json (the request must be JSON; content type application/json) or text (UTF-8). "
                    + "Default ${DEFAULT-VALUE}.")
    PublishCommand.Format format;

    @Override
    public Integer call() throws Exception {
        Object payload = format == PublishCommand.Format.TEXT ? message : json(message);
        try (Broker b = broker.open()) {
            Envelope.Builder e = Envelope.builder(topic, payload)
                    .codec(format == PublishCommand.Format.JSON ? "json" : "text");
            if (key != null) {
                e.key(key);
            }
            headers.forEach(e::header);
            byte[] reply = b.request(e.build(), byte[].class, Duration.ofSeconds(broker.timeoutSeconds));
            spec.commandLine().getOut().println(reply == null ? "(empty reply)"
                    : new String(reply, StandardCharsets.UTF_8));
        }
        return 0;
    }

    private static Object json(String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ConfigurationException("the request is not JSON (use --format text for plain text): "
                    + e.getOriginalMessage());
        }
    }
}
