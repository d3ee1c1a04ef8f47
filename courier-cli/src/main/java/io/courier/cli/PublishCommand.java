package io.courier.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.MessageId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code courier publish URL TOPIC [MESSAGE...]}: publishes each message (or each line of standard input) and prints its id. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = {"Publish messages: each MESSAGE argument, or each line of standard input when none is given.",
                "Prints each message's id once the broker has stored it."})
final class PublishCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Format { JSON, TEXT }

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC", description = "The topic to publish to.")
    String topic;

    @Parameters(index = "2..*", paramLabel = "MESSAGE", description = "The messages; none reads standard input, one per line.")
    List<String> messages = new ArrayList<>();

    @Option(names = {"-k", "--key"}, paramLabel = "KEY", description = "The messages' key (keeps them in order on one partition).")
    String key;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "A header, repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "json",
            description = "json (each message must be JSON; content type application/json) or text (UTF-8). Default ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> bodies = messages.isEmpty() ? readStandardInput() : messages;
        List<Object> payloads = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            payloads.add(payload(bodies.get(i), i + 1));   // every message checked before the first is sent
        }
        try (Broker b = broker.open()) {
            for (Object payload : payloads) {
                Envelope.Builder e = Envelope.builder(topic, payload).codec(format == Format.JSON ? "json" : "text");
                if (key != null) {
                    e.key(key);
                }
                headers.forEach(e::header);
                MessageId id = b.publish(e.build());
                out.println(id.value());
            }
        }
        return 0;
    }

    private Object payload(String body, int number) {
        if (format == Format.TEXT) {
            return body;
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ConfigurationException("message " + number + " is not JSON (use --format text for plain text): "
                    + e.getOriginalMessage());
        }
    }

    private static List<String> readStandardInput() throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
