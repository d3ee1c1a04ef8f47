package io.courier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.SubscribeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: help, wrong input in one line, and a standalone broker stopped by a signal. */
class CourierCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CourierCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void helpOnEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("standalone").contains("--verbose");
        out.getBuffer().setLength(0);
        assertThat(run("standalone", "--help")).isZero();
        assertThat(out.toString()).contains("pulsar, kafka, rabbitmq or nats").contains("--data-dir").contains("--port");
        for (String command : new String[] {"publish", "request", "consume", "topics", "subscriptions", "backlog", "peek",
                "cursor", "console"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: courier " + command);
        }
        for (String command : new String[] {"list", "show", "replay", "purge"}) {
            out.getBuffer().setLength(0);
            assertThat(run("dlq", command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: courier dlq " + command);
        }
    }

    @Test
    void aWrongCommandLineIsOneLineNamingWhereTheUsageIs() {
        assertThat(run("standalone", "rabbit")).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1).first().asString().startsWith("courier: Invalid value for "
                + "positional parameter at index 0 (BROKER)").endsWith("(courier standalone --help shows the usage)");
        err.getBuffer().setLength(0);
        assertThat(run("consume", "memory://x", "t", "-s", "s", "--count", "0")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("courier: --count must be at least 1, got 0");
        err.getBuffer().setLength(0);
        assertThat(run("dlq")).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1).first().asString().startsWith("courier: Missing required subcommand");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void wrongInputIsOneLineWithoutAStackTrace() throws Exception {
        assertThat(run("standalone", "activemq")).isEqualTo(2);
        assertThat(err.toString()).contains("activemq").contains("PULSAR").contains("KAFKA").contains("RABBITMQ").contains("NATS")
                .doesNotContain("Exception");
        err.getBuffer().setLength(0);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(run("standalone", "kafka", "--port", Integer.toString(port), "--data-dir",
                    Files.createTempDirectory("courier-cli-").toString())).isEqualTo(1);
            assertThat(err.toString().strip()).isEqualTo("courier: port " + port
                    + " is in use; choose another with --port (0 picks a free one)");
        }
    }

    /**
     * {@code courier standalone ...} as a child process, its output collected line by line. Started through
     * {@code env} with SIGINT set to its default action (or to ignored, when asked), so that the test does not depend
     * on how its own build was started: a background job inherits SIGINT ignored, and a JVM keeps that.
     */
    private static final class Standalone implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Thread reader;

        Standalone(boolean interruptIgnored, String... args) throws java.io.IOException {
            List<String> cmd = new ArrayList<>(List.of("env", interruptIgnored ? "--ignore-signal=INT" : "--default-signal=INT",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), CourierCli.class.getName(), "standalone"));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            reader.start();
        }

        /** The first line starting with {@code prefix}, waiting for it up to two minutes. */
        String awaitLine(String prefix) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (lines.stream().noneMatch(l -> l.startsWith(prefix)) && process.isAlive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line starting " + prefix + ": " + lines));
        }

        /** Sends {@code signal}, waits for the command to end; returns the broker JVMs it had started. */
        List<ProcessHandle> signalAndAwaitEnd(String signal) throws Exception {
            List<ProcessHandle> children = new ArrayList<>(process.toHandle().descendants().toList());
            assertThat(children).as("the broker JVM").isNotEmpty();
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the command ends on SIG" + signal).isTrue();
            reader.join(10_000);
            return children;
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void standaloneKafkaStopsCleanlyOnCtrlCAndOnSigtermAndKeepsItsData() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "standalone-kafka-");
        String topic = "kept-" + System.nanoTime();
        for (String signal : new String[] {"INT", "TERM"}) {
            try (Standalone cli = new Standalone(false, "kafka", "--port", "0", "--data-dir", dataDir.toString())) {
                String url = cli.awaitLine("kafka://");
                assertThat(cli.awaitLine("Ctrl-C")).isEqualTo("Ctrl-C stops it");   // printed after the URL
                try (io.courier.Broker broker = io.courier.Brokers.open(url)) {
                    if (signal.equals("INT")) {
                        broker.publish(io.courier.Envelope.builder(topic, "written before Ctrl-C").codec("text").build());
                    } else {
                        // the second run, on the same data directory, still has what the first stored
                        io.courier.testkit.Recorder<String> kept = new io.courier.testkit.Recorder<>();
                        broker.subscribe(io.courier.SubscribeOptions.builder(topic, "reader")
                                .initialPosition(io.courier.InitialPosition.EARLIEST).build(), String.class, kept);
                        kept.awaitCount(1, Duration.ofSeconds(60));
                        assertThat(kept.payloads()).containsExactly("written before Ctrl-C");
                    }
                }
                List<ProcessHandle> children = cli.signalAndAwaitEnd(signal);
                assertThat(cli.lines).as("output after SIG" + signal).contains("stopping ...", "stopped");
                assertThat(children).as("nothing left running after SIG" + signal).noneMatch(ProcessHandle::isAlive);
                System.out.println("[courier-cli] standalone kafka on SIG" + signal + ": " + cli.lines);
            }
        }
    }

    @Test
    void standalonePulsarPrintsAUrlThatCarriesItsAdminUrlAndSaysWhenCtrlCCannotStopIt() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "standalone-pulsar-");
        try (Standalone cli = new Standalone(true, "pulsar", "--port", "0", "--admin-port", "0", "--data-dir",
                dataDir.toString())) {
            String url = cli.awaitLine("pulsar://");
            assertThat(url).matches("pulsar://127\\.0\\.0\\.1:\\d+\\?adminUrl=http://127\\.0\\.0\\.1:\\d+");
            assertThat(cli.awaitLine("Ctrl-C")).startsWith("Ctrl-C cannot stop it: this command was started with SIGINT "
                    + "ignored").contains("kill " + cli.process.pid());
            // the admin commands reach the admin API on its non-default port through the printed URL alone
            assertThat(run("publish", url, "orders", "{\"order\":1}")).isZero();
            out.getBuffer().setLength(0);
            assertThat(run("topics", url)).as(err.toString()).isZero();
            assertThat(out.toString()).contains("orders");
            List<ProcessHandle> children = cli.signalAndAwaitEnd("TERM");
            assertThat(cli.lines).contains("stopping ...", "stopped");
            assertThat(children).as("nothing left running").noneMatch(ProcessHandle::isAlive);
            System.out.println("[courier-cli] standalone pulsar: " + cli.lines);
        }
    }

    @Test
    void standaloneNatsIsTheSameServerAcrossCtrlCAndSigtermAndLeavesNothingRunning() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "standalone-nats-");
        String first = null;
        for (String signal : new String[] {"INT", "TERM"}) {
            try (Standalone cli = new Standalone(false, "nats", "--port", "0", "--data-dir", dataDir.toString())) {
                String url = cli.awaitLine("nats://");
                assertThat(url).matches("nats://127\\.0\\.0\\.1:\\d+");
                String server = cli.awaitLine("server ");
                assertThat(cli.awaitLine("Ctrl-C")).isEqualTo("Ctrl-C stops it");   // printed after the URL
                // the second run on the same data directory is the same server, with its JetStream store
                String name = server.split("\\s+")[1];
                if (first == null) {
                    first = name;
                } else {
                    assertThat(name).isEqualTo(first);
                }
                assertThat(dataDir.resolve("jetstream")).isDirectory();
                List<ProcessHandle> children = cli.signalAndAwaitEnd(signal);
                assertThat(cli.lines).as("output after SIG" + signal).contains("stopping ...", "stopped");
                assertThat(children).as("nothing left running after SIG" + signal).noneMatch(ProcessHandle::isAlive);
                System.out.println("[courier-cli] standalone nats on SIG" + signal + ": " + cli.lines);
            }
        }
    }

    @Test
    void standaloneRabbitMqKeepsASubscriptionsMessagesAcrossCtrlCAndStopsOnSigterm() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "standalone-rabbitmq-");
        String topic = "kept-" + System.nanoTime();
        for (String signal : new String[] {"INT", "TERM"}) {
            try (Standalone cli = new Standalone(false, "rabbitmq", "--port", "0", "--admin-port", "0", "--data-dir",
                    dataDir.toString())) {
                String url = cli.awaitLine("amqp://");
                assertThat(url).matches("amqp://127\\.0\\.0\\.1:\\d+\\?managementUrl=http://127\\.0\\.0\\.1:\\d+");
                assertThat(cli.awaitLine("Ctrl-C")).isEqualTo("Ctrl-C stops it");   // printed after the URL
                if (signal.equals("INT")) {
                    // a subscription keeps what is published to its topic while nobody reads
                    try (io.courier.Broker broker = io.courier.Brokers.open(url)) {
                        broker.subscribe(io.courier.SubscribeOptions.builder(topic, "reader").build(), String.class,
                                m -> { }).close(Duration.ofSeconds(5));
                    }
                    assertThat(run("publish", url, topic, "written before Ctrl-C", "--format", "text")).as(err.toString()).isZero();
                    out.getBuffer().setLength(0);
                    assertThat(run("subscriptions", url, topic)).as(err.toString()).isZero();
                    assertThat(out.toString()).contains("reader");
                } else {
                    out.getBuffer().setLength(0);
                    assertThat(run("consume", url, topic, "-s", "reader", "-n", "1", "-w", "30")).as(err.toString()).isZero();
                    assertThat(out.toString()).contains("written before Ctrl-C");
                }
                List<ProcessHandle> children = cli.signalAndAwaitEnd(signal);
                assertThat(cli.lines).as("output after SIG" + signal).contains("stopping ...", "stopped");
                assertThat(children).as("nothing left running after SIG" + signal).noneMatch(ProcessHandle::isAlive);
                System.out.println("[courier-cli] standalone rabbitmq on SIG" + signal + ": " + cli.lines);
            }
        }
    }

    /** A reply with its fields in a fixed order (a Map's order is not). */
    record Quote(String symbol, int price) {
    }

    @Test
    void requestPrintsTheReplyAndFailsInOneLineWhenNobodyListensOrTheResponderFails() {
        String url = "memory://cli-request";
        try (Broker service = Brokers.open(url)) {
            service.respond(SubscribeOptions.builder("quotes", "pricing").build(), Map.class, m -> {
                if ("NONE".equals(m.payload().get("symbol"))) {
                    throw new IllegalArgumentException("no such symbol");
                }
                return new Quote((String) m.payload().get("symbol"), 42);
            });
            assertThat(run("request", url, "quotes", "{\"symbol\":\"ACME\"}")).as(err.toString()).isZero();
            assertThat(out.toString().trim()).isEqualTo("{\"symbol\":\"ACME\",\"price\":42}");

            err.getBuffer().setLength(0);
            assertThat(run("request", url, "quotes", "{\"symbol\":\"NONE\"}")).isEqualTo(1);
            assertThat(err.toString()).contains("failed").contains("IllegalArgumentException: no such symbol")
                    .hasLineCount(1);

            err.getBuffer().setLength(0);
            assertThat(run("request", url, "nobody.listens", "hello", "--format", "text")).isEqualTo(1);
            assertThat(err.toString()).contains("no responder is listening").hasLineCount(1);

            err.getBuffer().setLength(0);
            assertThat(run("request", url, "quotes", "not json")).isEqualTo(2);   // a wrong command line
            assertThat(err.toString()).contains("not JSON");
        }
    }
}
