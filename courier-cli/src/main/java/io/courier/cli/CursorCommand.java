package io.courier.cli;

import io.courier.Broker;
import io.courier.ConfigurationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier cursor URL TOPIC SUBSCRIPTION --skip N | --skip-all | --reset-to TIME}: moves a subscription. */
@Command(name = "cursor", mixinStandardHelpOptions = true,
        description = {"Move SUBSCRIPTION on TOPIC: skip the next N messages, skip its whole backlog, or reset it to the",
                "messages published from a time on (delivered again). Meant for a subscription with no consumer connected",
                "(Kafka refuses otherwise). Asks to confirm unless --yes (without a terminal, --yes is required)."})
final class CursorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC")
    String topic;

    @Parameters(index = "2", paramLabel = "SUBSCRIPTION")
    String subscription;

    static final class Move {
        @Option(names = "--skip", paramLabel = "N", required = true, description = "Skip the next N messages.")
        Long skip;

        @Option(names = "--skip-all", required = true, description = "Skip the whole backlog.")
        boolean skipAll;

        @Option(names = "--reset-to", paramLabel = "TIME", required = true,
                description = "Reset to the messages published from TIME on (ISO-8601, e.g. 2026-12-01T10:00:00Z).")
        Instant resetTo;
    }

    @ArgGroup(multiplicity = "1")
    Move move;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() throws IOException {
        if (move.skip != null && move.skip < 1) {
            throw new ConfigurationException("--skip must be at least 1, got " + move.skip);
        }
        String what = move.skip != null ? "skip the next " + move.skip + " message(s) of " + subscription
                : move.skipAll ? "skip the whole backlog of " + subscription
                : "reset " + subscription + " to the messages published from " + move.resetTo + " on";
        if (!yes && !Confirmation.ask(spec.commandLine().getOut(), what + " on " + topic + "?",
                "moving a subscription skips or repeats messages")) {
            spec.commandLine().getErr().println("courier: nothing moved");
            return 1;
        }
        try (Broker b = broker.open()) {
            if (move.skip != null) {
                b.admin().skip(topic, subscription, move.skip);
            } else if (move.skipAll) {
                b.admin().skipAll(topic, subscription);
            } else {
                b.admin().resetCursor(topic, subscription, move.resetTo);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("done: " + what + "; backlog now " + b.admin().backlog(topic, subscription));
            out.flush();
        }
        return 0;
    }
}
