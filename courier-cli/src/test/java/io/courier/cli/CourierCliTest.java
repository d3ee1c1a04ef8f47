package io.courier.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
        assertThat(out.toString()).contains("pulsar or kafka").contains("--data-dir").contains("--port");
        for (String command : new String[] {"publish", "consume", "topics", "subscriptions", "backlog", "peek", "cursor",
                "console", "demo", "bench"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: courier " + command);
        }
        for (String command : new String[] {"list", "show", "replay", "purge"}) {
            out.getBuffer().setLength(0);
            assertThat(run("dlq", command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: courier dlq " + command);
        }
        out.getBuffer().setLength(0);
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--reports=N").contains("--broker=pulsar|kafka|memory").contains("--serve");
    }

    @Test
    void aWrongCommandLineIsOneLineNamingWhereTheUsageIs() {
        assertThat(run("demo", "--broker", "rabbit")).isEqualTo(2);
        assertThat(err.toString().strip().lines()).containsExactly("courier: Invalid value for option '--broker': "
                + "expected one of [PULSAR, KAFKA, MEMORY] (case-insensitive) but was 'rabbit' (courier demo --help shows the usage)");
        err.getBuffer().setLength(0);
        assertThat(run("demo", "--savers", "0")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("courier: --savers must be between 1 and 16, got 0");
        err.getBuffer().setLength(0);
        assertThat(run("dlq")).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1).first().asString().startsWith("courier: Missing required subcommand");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void wrongInputIsOneLineWithoutAStackTrace() throws Exception {
        assertThat(run("standalone", "rabbitmq")).isEqualTo(2);
        assertThat(err.toString()).contains("rabbitmq").contains("PULSAR").contains("KAFKA").doesNotContain("Exception");
        err.getBuffer().setLength(0);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(run("standalone", "kafka", "--port", Integer.toString(port), "--data-dir",
                    Files.createTempDirectory("courier-cli-").toString())).isEqualTo(1);
            assertThat(err.toString().strip()).isEqualTo("courier: port " + port
                    + " is in use; choose another with --port (0 picks a free one)");
        }
    }

    @Test
    void standaloneKafkaStopsCleanlyOnCtrlCAndOnSigtermAndKeepsItsData() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "standalone-kafka-");
        for (String signal : new String[] {"INT", "TERM"}) {
            Process cli = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CourierCli.class.getName(),
                    "standalone", "kafka", "--port", "0", "--data-dir", dataDir.toString()))
                    .redirectErrorStream(true).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            reader.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (lines.stream().noneMatch(l -> l.startsWith("kafka://")) && cli.isAlive()
                        && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                String url = lines.stream().filter(l -> l.startsWith("kafka://")).findFirst()
                        .orElseThrow(() -> new AssertionError("no URL printed: " + lines));
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        url.substring("kafka://".length())))) {
                    assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
                }
                List<ProcessHandle> children = new ArrayList<>(cli.toHandle().descendants().toList());
                assertThat(children).as("the broker JVM").isNotEmpty();
                new ProcessBuilder("kill", "-" + signal, Long.toString(cli.pid())).start().waitFor();
                assertThat(cli.waitFor(60, TimeUnit.SECONDS)).as("the command ends on SIG" + signal).isTrue();
                reader.join(10_000);
                assertThat(lines).as("output after SIG" + signal).contains("stopping ...", "stopped");
                assertThat(children).as("nothing left running after SIG" + signal).noneMatch(ProcessHandle::isAlive);
                System.out.println("[courier-cli] standalone kafka on SIG" + signal + ": " + lines);
            } finally {
                cli.destroyForcibly();
            }
        }
        assertThat(Files.exists(dataDir.resolve("logs").resolve("meta.properties"))).as("data kept").isTrue();
    }
}
