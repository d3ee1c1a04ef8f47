package io.courier.kafka.embedded;

import io.courier.embedded.ChildJvm;
import io.courier.embedded.EmbeddedBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real Apache Kafka 4.4.0 broker in KRaft mode (broker and controller in one process, no ZooKeeper), in a child JVM
 * that never outlives this one: the tests' broker, and a developer's. Ports are free ports picked at build time of the
 * instance and kept across restarts; the log directory is formatted once and kept, so a restart (after SIGTERM or
 * SIGKILL) finds every topic and message again. The broker's own log goes to {@link #logFile()}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
 *     String bootstrap = kafka.bootstrapServers();   // 127.0.0.1:<port>
 * }
 * }</pre>
 *
 * Thread-safe (every operation is synchronized).
 */
public final class EmbeddedKafka extends EmbeddedBroker {
    private static final String VERSION = "4.4.0";

    private final String heap;
    private final Duration startTimeout;
    /** SASL/PLAIN user and password the client listener requires; null for a plaintext listener. */
    private final String saslUser;
    private final String saslPassword;
    private final int brokerPort;
    private final int controllerPort;
    /** Set for a member of an {@link EmbeddedKafkaCluster}: its node id, the cluster id and every controller. */
    private final ClusterMembership membership;
    /** Null for Kafka's default. */
    private final Duration groupSessionTimeout;
    /** The readiness probe's client, alive during a start. */
    private Admin probe;

    private EmbeddedKafka(Builder b) {
        super(b.dataDir, "courier-kafka-");
        this.heap = b.heap;
        this.saslUser = b.saslUser;
        this.saslPassword = b.saslPassword;
        this.startTimeout = b.startTimeout;
        this.brokerPort = b.port > 0 ? b.port : ChildJvm.freePort();
        this.membership = b.membership;
        this.groupSessionTimeout = b.groupSessionTimeout;
        this.controllerPort = membership != null ? membership.controllerPort() : ChildJvm.stablePort(dataDir, "controller");
    }

    /** How one node of a cluster is told apart and finds the others. */
    record ClusterMembership(int nodeId, String clusterId, int controllerPort, String quorumVoters, int replicas) {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The Kafka version started. */
    public static String version() {
        return VERSION;
    }

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers} (and Courier's {@code kafka://} URL). */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * What a Kafka client needs to be let in: empty for a plaintext broker; for one built with
     * {@link Builder#saslPlain} the SASL_PLAINTEXT protocol, the PLAIN mechanism and its JAAS login.
     */
    public Map<String, String> clientSecurity() {
        if (saslUser == null) {
            return Map.of();
        }
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + saslUser
                        + "\" password=\"" + saslPassword + "\";");
    }

    /** The broker's log (Log4j 2), appended across restarts. */
    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /**
     * Formats the log directory if it never was, starts the broker and waits until it answers a cluster description.
     *
     * @throws IllegalStateException with the tail of the broker's output when it does not become ready in time
     */
    @Override
    public synchronized EmbeddedKafka start() {
        startAndAwait(startTimeout);
        return this;
    }

    @Override
    protected ChildJvm launch() throws IOException {
        Path conf = writeConfig();
        Path log4j = ChildJvm.writeLog4j2FileConfig(dataDir, logFile());
        String classpath = classpath();
        List<String> jvm = List.of("-Xms64m", "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + log4j.toUri(), "-Dkafka.logs.dir=" + dataDir);
        if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
            int exit = ChildJvm.run(jvm, classpath, "kafka.tools.StorageTool",
                    membership == null ? List.of("format", "-t", clusterId(), "-c", conf.toString(), "--standalone")
                            : List.of("format", "-t", membership.clusterId(), "-c", conf.toString()),
                    dataDir.resolve("format.out"), Duration.ofSeconds(60));
            if (exit != 0) {
                throw new IllegalStateException("formatting the Kafka log directory failed (exit " + exit + "):\n"
                        + ChildJvm.tail(dataDir.resolve("format.out"), 20));
            }
        }
        return ChildJvm.start(jvm, classpath, "kafka.Kafka", List.of(conf.toString()), dataDir.resolve("broker.out"));
    }

    /** Ready when the broker answers a cluster description. */
    @Override
    protected boolean answers() {
        if (probe == null) {
            Map<String, Object> config = new java.util.HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrapServers(), AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
            config.putAll(clientSecurity());
            probe = Admin.create(config);
        }
        try {
            return !probe.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        } catch (Exception e) {
            return false;   // not answering yet
        }
    }

    @Override
    protected void readinessChecked() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
    }

    @Override
    protected String brokerName() {
        return "Kafka broker";
    }

    /** The last lines of the broker's standard output and log, for error messages. */
    @Override
    public String tail() {
        return ChildJvm.tail(dataDir.resolve("broker.out"), 20) + "\n" + ChildJvm.tail(logFile(), 40);
    }

    private Path writeConfig() throws IOException {
        StringBuilder c = new StringBuilder();
        line(c, "process.roles", "broker,controller");
        line(c, "node.id", membership == null ? "1" : Integer.toString(membership.nodeId()));
        String client = saslUser == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        line(c, "listeners", client + "://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        line(c, "advertised.listeners", client + "://127.0.0.1:" + brokerPort);
        line(c, "controller.listener.names", "CONTROLLER");
        line(c, "listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
        if (saslUser != null) {
            // one user, for clients and for the broker's own inter-broker connection
            line(c, "inter.broker.listener.name", client);
            line(c, "sasl.enabled.mechanisms", "PLAIN");
            line(c, "sasl.mechanism.inter.broker.protocol", "PLAIN");
            line(c, "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + saslUser
                            + "\" password=\"" + saslPassword + "\" user_" + saslUser + "=\"" + saslPassword + "\";");
        }
        if (membership == null) {
            line(c, "controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        } else {
            line(c, "controller.quorum.voters", membership.quorumVoters());
        }
        String replicas = membership == null ? "1" : Integer.toString(membership.replicas());
        String minIsr = membership == null ? "1" : Integer.toString(Math.max(1, membership.replicas() - 1));
        line(c, "log.dirs", dataDir.resolve("logs").toString());
        line(c, "num.partitions", "1");
        line(c, "auto.create.topics.enable", "true");
        line(c, "offsets.topic.replication.factor", replicas);
        line(c, "offsets.topic.num.partitions", "5");
        line(c, "transaction.state.log.replication.factor", replicas);
        line(c, "transaction.state.log.min.isr", minIsr);
        line(c, "share.coordinator.state.topic.replication.factor", replicas);
        line(c, "share.coordinator.state.topic.min.isr", minIsr);
        line(c, "default.replication.factor", replicas);
        line(c, "min.insync.replicas", minIsr);
        line(c, "group.initial.rebalance.delay.ms", "0");
        // consumer-protocol groups learn of a new assignment at their next heartbeat: every second, not every 5 s
        line(c, "group.consumer.min.heartbeat.interval.ms", "500");
        line(c, "group.consumer.heartbeat.interval.ms", "1000");
        line(c, "group.share.min.heartbeat.interval.ms", "500");
        line(c, "group.share.heartbeat.interval.ms", "1000");
        if (groupSessionTimeout != null) {
            String ms = Long.toString(groupSessionTimeout.toMillis());
            line(c, "group.consumer.min.session.timeout.ms", ms);
            line(c, "group.consumer.session.timeout.ms", ms);
            line(c, "group.share.min.session.timeout.ms", ms);
            line(c, "group.share.session.timeout.ms", ms);
        }
        // records up to 5 MiB, Pulsar's limit, rather than Kafka's 1 MiB: a 1 MiB payload plus headers fits
        line(c, "message.max.bytes", Integer.toString(5 * 1024 * 1024 + 64 * 1024));
        // one node restarting: the controller forgets the previous broker session in 3 s, not the default 9 s
        line(c, "broker.session.timeout.ms", "3000");
        line(c, "broker.heartbeat.interval.ms", "500");
        Path file = dataDir.resolve("server.properties");
        Files.writeString(file, c.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static void line(StringBuilder c, String key, String value) {
        c.append(key).append('=').append(value).append('\n');
    }

    /** The broker's jars with the client's, resolved at build time. */
    private static String classpath() {
        return ChildJvm.buildTimeClasspath(EmbeddedKafka.class, "broker.classpath", "courier-kafka-embedded");
    }

    /** A new cluster id as Kafka writes them: 16 random bytes, base64url without padding, not starting with '-'. */
    static String clusterId() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        String id;
        do {
            random.nextBytes(bytes);
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (id.startsWith("-"));
        return id;
    }

    @Override
    public String toString() {
        return "EmbeddedKafka{" + bootstrapServers() + ", data=" + dataDir + "}";
    }

    /** Builds an {@link EmbeddedKafka}; not thread-safe. */
    public static final class Builder {
        private Path dataDir;
        private String heap = "512m";
        private Duration startTimeout = Duration.ofSeconds(90);
        private int port;
        private String saslUser;
        private String saslPassword;
        private ClusterMembership membership;
        private Duration groupSessionTimeout;

        private Builder() {
        }

        /**
         * How long the group coordinator waits for a member that stopped heartbeating (its process killed) before its
         * partitions go to the others; default Kafka's 45 s. Between 2 s and 45 s.
         */
        public Builder groupSessionTimeout(Duration timeout) {
            if (timeout == null || timeout.compareTo(Duration.ofSeconds(2)) < 0 || timeout.compareTo(Duration.ofSeconds(45)) > 0) {
                throw new IllegalArgumentException("a group session timeout is between 2 s and 45 s, got " + timeout);
            }
            this.groupSessionTimeout = timeout;
            return this;
        }

        /** The broker's port ({@code 127.0.0.1:PORT}); default a free port. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Keep the log directory here across runs (default: a temporary directory deleted on {@link #close()}). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The broker JVM's heap (default 512m). */
        public Builder heap(String heap) {
            this.heap = Objects.requireNonNull(heap, "heap");
            return this;
        }

        /**
         * Clients must log in with SASL/PLAIN as {@code user} / {@code password} (listener SASL_PLAINTEXT); see
         * {@link EmbeddedKafka#clientSecurity()}. Default: a plaintext listener without authentication.
         */
        public Builder saslPlain(String user, String password) {
            this.saslUser = Objects.requireNonNull(user, "user");
            this.saslPassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Makes this broker one node of a cluster (used by {@link EmbeddedKafkaCluster}). */
        Builder member(ClusterMembership membership) {
            this.membership = membership;
            return this;
        }

        /** Longest {@link #start()} waits for the broker (default 90 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }
    }
}
