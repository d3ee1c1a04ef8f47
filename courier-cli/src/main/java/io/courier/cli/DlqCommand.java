package io.courier.cli;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.SubscriptionInfo;
import io.courier.TopicInfo;
import io.courier.core.DeadLetters;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier dlq list | show | replay | purge}: dead letters with their reasons, replayed to their original topic
 * or discarded. A dead letter is pending until replayed or discarded through the {@value DeadLetters#DEFAULT_SUBSCRIPTION}
 * subscription (see {@link DeadLetters}).
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Dead letters: list the dead-letter topics, show their letters with the reason, replay them to",
                "their original topic, or purge them. A letter is pending until replayed or purged; showing leaves it."},
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class, DlqCommand.Purge.class})
final class DlqCommand {

    /** Waits at most this long for letters to arrive once the subscription is open. */
    static final class Waiting {
        @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS", defaultValue = "10",
                description = "How long to wait for the letters to arrive (default ${DEFAULT-VALUE}).")
        int seconds;

        Duration duration() {
            if (seconds < 1) {
                throw new ConfigurationException("--wait must be at least 1 second, got " + seconds);
            }
            return Duration.ofSeconds(seconds);
        }
    }

    /** Which letters: some by id, or all. */
    static final class Selection {
        @Option(names = "--id", paramLabel = "ID", required = true, description = "A letter's id (from dlq show); repeatable.")
        List<String> ids;

        @Option(names = "--all", required = true, description = "Every pending letter.")
        boolean all;

        List<String> ids() {
            return all ? List.of() : ids;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the dead-letter topics (names ending in -DLQ) and how many letters each holds pending.")
    static final class ListLetters implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BrokerConnection broker;

        @Override
        public Integer call() {
            try (Broker b = broker.open()) {
                Table table = new Table("DLQ-TOPIC", "PENDING", "PUBLISHED");
                for (TopicInfo t : b.admin().topics()) {
                    if (t.isDeadLetterTopic()) {
                        table.row(t.name(), pending(b, t), t.published());
                    }
                }
                table.print(spec.commandLine().getOut());
            }
            return 0;
        }

        /** The backlog of the dead-letter subscription; every letter kept, until that subscription first reads. */
        private static OptionalLong pending(Broker b, TopicInfo t) {
            for (SubscriptionInfo s : b.admin().subscriptions(t.name())) {
                if (s.name().equals(DeadLetters.DEFAULT_SUBSCRIPTION)) {
                    return OptionalLong.of(s.backlog());
                }
            }
            return t.published();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the pending letters of DLQ-TOPIC: reason, attempts, exception, origin, headers, payload.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BrokerConnection broker;

        @Parameters(index = "1", paramLabel = "DLQ-TOPIC")
        String topic;

        @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "100",
                description = "At most N letters, oldest first (default ${DEFAULT-VALUE}).")
        int count;

        @Mixin
        Waiting waiting;

        @Override
        public Integer call() {
            if (count < 1) {
                throw new ConfigurationException("--count must be at least 1, got " + count);
            }
            try (Broker b = broker.open()) {
                List<DeadLetters.Letter> letters = DeadLetters.of(b, topic).read(count, waiting.duration());
                PrintWriter out = spec.commandLine().getOut();
                for (DeadLetters.Letter l : letters) {
                    out.println(describe(l));
                }
                out.println(letters.size() + " letter(s) pending on " + topic);
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Publish letters of DLQ-TOPIC to their original topic as they were first sent (the",
                    "courier-dlq-* fields removed), then settle them. Select with --id (repeatable) or --all."})
    static final class Replay implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BrokerConnection broker;

        @Parameters(index = "1", paramLabel = "DLQ-TOPIC")
        String topic;

        @ArgGroup(multiplicity = "1")
        Selection selection;

        @Mixin
        Waiting waiting;

        @Override
        public Integer call() {
            try (Broker b = broker.open()) {
                List<DeadLetters.Letter> done = DeadLetters.of(b, topic).replay(selection.ids(), waiting.duration());
                PrintWriter out = spec.commandLine().getOut();
                for (DeadLetters.Letter l : done) {
                    out.println("replayed " + l.id() + " to " + l.originalTopic().orElse("?"));
                }
                out.println(done.size() + " letter(s) replayed");
                out.flush();
                return missing(selection, done.size());
            }
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = {"Discard letters of DLQ-TOPIC for good. Select with --id (repeatable) or --all; asks to",
                    "confirm unless --yes (without a terminal to ask on, --yes is required)."})
    static final class Purge implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BrokerConnection broker;

        @Parameters(index = "1", paramLabel = "DLQ-TOPIC")
        String topic;

        @ArgGroup(multiplicity = "1")
        Selection selection;

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
        boolean yes;

        @Mixin
        Waiting waiting;

        @Override
        public Integer call() throws IOException {
            Duration wait = waiting.duration();
            String what = selection.all ? "every pending letter of " + topic : selection.ids.size() + " letter(s) of " + topic;
            if (!yes && !Confirmation.ask(spec.commandLine().getOut(), "Discard " + what + " for good?",
                    "purge discards letters for good")) {
                spec.commandLine().getErr().println("courier: nothing purged");
                return 1;
            }
            try (Broker b = broker.open()) {
                List<DeadLetters.Letter> done = DeadLetters.of(b, topic).discard(selection.ids(), wait);
                PrintWriter out = spec.commandLine().getOut();
                out.println(done.size() + " letter(s) purged from " + topic);
                out.flush();
                return missing(selection, done.size());
            }
        }
    }

    /** Exit 1 when ids were named and not all were found pending. */
    private static int missing(Selection selection, int settled) {
        if (!selection.all && settled < selection.ids.size()) {
            throw new IllegalStateException((selection.ids.size() - settled) + " of the " + selection.ids.size()
                    + " letter id(s) given are not pending on the topic (settled already, or mistyped)");
        }
        return 0;
    }

    static String describe(DeadLetters.Letter l) {
        StringJoiner headers = new StringJoiner(", ", "{", "}");
        l.originalHeaders().sortedByName().names().stream().filter(n -> !n.equals(io.courier.Headers.CONTENT_TYPE))
                .forEach(n -> headers.add(n + "=" + l.headers().get(n)));
        return l.id() + " dead-lettered " + l.deadLetteredAt().map(Object::toString).orElse(l.publishTime().toString())
                + " reason=" + l.reason().orElse("-") + " attempts=" + l.attempts().map(String::valueOf).orElse("-")
                + " from=" + l.originalTopic().orElse("-") + " subscription=" + l.subscription().orElse("-")
                + " exception=" + l.exceptionClass().orElse("-") + ": " + l.exceptionMessage().orElse("").replace("\n", "\\n")
                + "\n    key=" + l.key().orElse("-") + " " + headers + " "
                + ConsumeCommand.render(l.payload(), l.headers().get(io.courier.Headers.CONTENT_TYPE));
    }
}
