package io.courier.cli;

import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier standalone pulsar|kafka|rabbitmq|nats}: the article's {@code docker run ... standalone}, without Docker. A real
 * broker in a child JVM, its data kept between runs, its URL printed; Ctrl-C or SIGTERM stops it cleanly, and it
 * never outlives this command (SIGKILL included).
 */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = {"Run a real broker on this machine until Ctrl-C (data kept between runs).",
                "  pulsar: pulsar://127.0.0.1:6650?adminUrl=http://127.0.0.1:8080",
                "  kafka:  kafka://127.0.0.1:9092 (KRaft)",
                "  rabbitmq: amqp://127.0.0.1:5672?managementUrl=http://127.0.0.1:15672 (the rabbitmq-server package)",
                "  nats:   nats://127.0.0.1:4222 (JetStream; the nats-server package)"})
final class StandaloneCommand implements Callable<Integer> {

    enum Kind { PULSAR, KAFKA, RABBITMQ, NATS }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BROKER", description = "pulsar, kafka, rabbitmq or nats")
    Kind kind;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the broker keeps its data between runs (default: ~/.courier/<broker>).")
    Path dataDir;

    @Option(names = "--port", paramLabel = "PORT",
            description = "The broker's port (default 6650 for pulsar, 9092 for kafka, 5672 for rabbitmq, 4222 for "
                    + "nats; 0 picks a free one).")
    Integer port;

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "Pulsar's admin HTTP port (default 8080), RabbitMQ's management port (default 15672); 0 picks "
                    + "a free one.")
    Integer adminPort;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".courier", kind.name().toLowerCase());
        int brokerPort = port != null ? port : switch (kind) {
            case PULSAR -> 6650;
            case KAFKA -> 9092;
            case RABBITMQ -> 5672;
            case NATS -> 4222;
        };
        checkFree(brokerPort, "--port");
        AutoCloseable broker;
        if (kind == Kind.PULSAR) {
            int webPort = adminPort != null ? adminPort : 8080;
            checkFree(webPort, "--admin-port");
            EmbeddedPulsar.Builder b = EmbeddedPulsar.builder().dataDir(dir).throughput(true);   // a broker kept open for hours
            if (brokerPort > 0) {
                b.brokerPort(brokerPort);
            }
            if (webPort > 0) {
                b.webPort(webPort);
            }
            out.println("starting Pulsar " + EmbeddedPulsar.version() + " (data in " + dir + ") ...");
            EmbeddedPulsar pulsar = b.build();
            broker = pulsar;
            stopOnExit(pulsar, out);
            pulsar.start();
            // the admin URL travels in the query: every courier command and Courier client finds the admin API there
            out.println(pulsar.serviceUrl() + "?adminUrl=" + pulsar.httpUrl());
            out.println("admin " + pulsar.httpUrl() + "   broker pid " + pulsar.pid() + "   log " + pulsar.logFile());
        } else if (kind == Kind.RABBITMQ) {
            EmbeddedRabbitMq.scripts();   // a missing package is said in one line before anything starts
            int managementPort = adminPort != null ? adminPort : 15672;
            checkFree(managementPort, "--admin-port");
            EmbeddedRabbitMq.Builder b = EmbeddedRabbitMq.builder().dataDir(dir);
            if (brokerPort > 0) {
                b.port(brokerPort);
            }
            if (managementPort > 0) {
                b.managementPort(managementPort);
            }
            out.println("starting RabbitMQ " + EmbeddedRabbitMq.version() + " (data in " + dir + ") ...");
            EmbeddedRabbitMq rabbit = b.build();
            broker = rabbit;
            stopOnExit(rabbit, out);
            rabbit.start();
            out.println(rabbit.url() + "?managementUrl=" + rabbit.managementUrl());
            out.println("user guest, password guest   management " + rabbit.managementUrl() + "   node "
                    + rabbit.nodeName() + "   log " + rabbit.logFile());
        } else if (kind == Kind.NATS) {
            EmbeddedNats.binary();   // a missing package is said in one line before anything starts
            EmbeddedNats.Builder b = EmbeddedNats.builder().dataDir(dir);
            if (brokerPort > 0) {
                b.port(brokerPort);
            }
            out.println("starting NATS " + EmbeddedNats.version() + " with JetStream (data in " + dir + ") ...");
            EmbeddedNats nats = b.build();
            broker = nats;
            stopOnExit(nats, out);
            nats.start();
            out.println(nats.url());
            out.println("server " + nats.serverName() + "   pid " + nats.pid() + "   log " + nats.logFile());
        } else {
            EmbeddedKafka.Builder b = EmbeddedKafka.builder().dataDir(dir);
            if (brokerPort > 0) {
                b.port(brokerPort);
            }
            out.println("starting Kafka " + EmbeddedKafka.version() + " in KRaft mode (data in " + dir + ") ...");
            EmbeddedKafka kafka = b.build();
            broker = kafka;
            stopOnExit(kafka, out);
            kafka.start();
            out.println("kafka://" + kafka.bootstrapServers());
            out.println("broker pid " + kafka.pid() + "   log " + kafka.logFile());
        }
        out.println(interruptIgnored() ? "Ctrl-C cannot stop it: this command was started with SIGINT ignored (a "
                + "background job of a non-interactive shell); stop it with SIGTERM (kill " + ProcessHandle.current().pid() + ")"
                : "Ctrl-C stops it");
        out.flush();
        new CountDownLatch(1).await();   // until a signal ends the JVM; the hook stops the broker
        broker.close();
        return 0;
    }

    /** Ctrl-C and SIGTERM end this JVM through its shutdown hooks: this one stops the broker first. */
    private static void stopOnExit(AutoCloseable broker, PrintWriter out) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("stopping ...");
            out.flush();
            try {
                broker.close();
            } catch (Exception e) {
                out.println("courier: stopping the broker failed: " + e.getMessage());
            }
            out.println("stopped");
            out.flush();
        }, "courier-standalone-stop"));
    }

    /**
     * True when this process ignores SIGINT, as a job started in the background by a non-interactive shell does: the
     * JVM keeps an inherited "ignore" and Ctrl-C then does nothing. Read from Linux's {@code /proc/self/status}; false
     * where that cannot be read.
     */
    static boolean interruptIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                    return (mask & (1L << (2 - 1))) != 0;   // SIGINT is signal 2
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: nothing to say
        }
        return false;
    }

    private static void checkFree(int port, String option) {
        if (port == 0) {
            return;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " must be between 0 and 65535, got " + port);
        }
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalArgumentException("port " + port + " is in use; choose another with " + option
                    + " (0 picks a free one)");
        }
    }
}
