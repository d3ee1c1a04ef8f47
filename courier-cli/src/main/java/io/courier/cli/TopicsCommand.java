package io.courier.cli;

import io.courier.Broker;
import io.courier.TopicInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier topics URL}: the broker's topics with their figures; "-" where the backend keeps none. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = {"List the broker's topics: partitions, messages published, rates in and out (msg/s), storage.",
                "A figure the backend does not keep prints as '-'. Pulsar needs its admin URL (-o adminUrl=...)."})
final class TopicsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Option(names = "--dlq", description = "Only dead-letter topics (names ending in -DLQ).")
    boolean deadLetterOnly;

    @Override
    public Integer call() {
        try (Broker b = broker.open()) {
            Table table = new Table("TOPIC", "PARTITIONS", "PUBLISHED", "RATE-IN", "RATE-OUT", "STORAGE-BYTES");
            for (TopicInfo t : b.admin().topics()) {
                if (!deadLetterOnly || t.isDeadLetterTopic()) {
                    table.row(t.name(), t.partitions(), t.published(), t.rateIn(), t.rateOut(), t.storageBytes());
                }
            }
            table.print(spec.commandLine().getOut());
        }
        return 0;
    }
}
