package io.courier.cli;

import io.courier.Broker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code courier backlog URL TOPIC SUBSCRIPTION}: how many messages wait for the subscription. */
@Command(name = "backlog", mixinStandardHelpOptions = true,
        description = "Print how many messages of TOPIC wait for SUBSCRIPTION (Pulsar: needs the admin URL, -o adminUrl=...).")
final class BacklogCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC")
    String topic;

    @Parameters(index = "2", paramLabel = "SUBSCRIPTION")
    String subscription;

    @Override
    public Integer call() {
        try (Broker b = broker.open()) {
            spec.commandLine().getOut().println(b.admin().backlog(topic, subscription));
        }
        return 0;
    }
}
