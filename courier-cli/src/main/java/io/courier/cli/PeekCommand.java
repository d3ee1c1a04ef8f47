package io.courier.cli;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.StoredMessage;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier peek URL TOPIC}: the topic's latest messages, read without a subscription. */
@Command(name = "peek", mixinStandardHelpOptions = true,
        description = {"Print the latest messages of TOPIC, oldest first, without a subscription: nothing is delivered",
                "or acknowledged. One line each, as consume prints them. Pulsar reads by stored entry (a producer's "
                        + "batch shows as its first message) through its admin URL."})
final class PeekCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "10",
            description = "How many of the latest (default ${DEFAULT-VALUE}, at most 1000).")
    int count;

    @Override
    public Integer call() {
        if (count < 1 || count > 1000) {
            throw new ConfigurationException("--count must be 1 to 1000, got " + count);
        }
        try (Broker b = broker.open()) {
            PrintWriter out = spec.commandLine().getOut();
            for (StoredMessage m : b.admin().peek(topic, count)) {
                out.println(ConsumeCommand.line(m.publishTime(), m.id(), m.key(), m.headers(), m.payload()));
            }
            out.flush();
        }
        return 0;
    }
}
