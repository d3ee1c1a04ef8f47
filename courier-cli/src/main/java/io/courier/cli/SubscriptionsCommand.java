package io.courier.cli;

import io.courier.Broker;
import io.courier.SubscriptionInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier subscriptions URL TOPIC}: the topic's subscriptions with their state. */
@Command(name = "subscriptions", mixinStandardHelpOptions = true,
        description = {"List the subscriptions of TOPIC: type, consumers, backlog, unacknowledged, redeliveries (msg/s).",
                "A figure the backend does not keep prints as '-'. Pulsar needs its admin URL (-o adminUrl=...)."})
final class SubscriptionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC")
    String topic;

    @Override
    public Integer call() {
        try (Broker b = broker.open()) {
            Table table = new Table("SUBSCRIPTION", "TYPE", "CONSUMERS", "BACKLOG", "UNACKED", "REDELIVERY-RATE");
            for (SubscriptionInfo s : b.admin().subscriptions(topic)) {
                table.row(s.name(), s.type(), s.consumers(), s.backlog(), s.unacknowledged(), s.redeliveryRate());
            }
            table.print(spec.commandLine().getOut());
        }
        return 0;
    }
}
