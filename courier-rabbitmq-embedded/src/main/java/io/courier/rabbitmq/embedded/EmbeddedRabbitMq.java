package io.courier.rabbitmq.embedded;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.courier.embedded.ChildJvm;
import io.courier.embedded.EmbeddedBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private RabbitMQ node: the machine's {@code rabbitmq-server} package (Debian's, 3.10) started with its own node
 * name, AMQP, distribution and management ports and data directory, as a child of a small watcher JVM so that it never
 * outlives this JVM (SIGKILL of this JVM included). The tests' broker, and a developer's ({@code courier standalone
 * rabbitmq}). Ports and node name are kept in the data directory, so a restart (after SIGTERM or SIGKILL) is the same
 * node and finds its durable queues and persistent messages again. It listens on 127.0.0.1 only.
 *
 * <pre>{@code
 * try (EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.builder().build().start()) {
 *     String url = rabbit.url();   // amqp://127.0.0.1:<port> (user guest, password guest)
 * }
 * }</pre>
 *
 * Thread-safe (every operation is synchronized).
 */
public final class EmbeddedRabbitMq extends EmbeddedBroker {
    /** Where Debian's package keeps the node scripts that run as the calling user (the ones on the PATH switch user). */
    static final Path DEBIAN_SCRIPTS = Path.of("/usr/lib/rabbitmq/bin");
    /** Overrides {@link #DEBIAN_SCRIPTS}: a directory holding {@code rabbitmq-server} and {@code rabbitmqctl}. */
    public static final String SCRIPTS_ENV = "COURIER_RABBITMQ_SCRIPTS";

    private final Duration startTimeout;
    private final String user;
    private final String password;
    private final boolean management;
    private final String cookie;
    private final int amqpPort;
    private final int distPort;
    private final int managementPort;
    private final String nodeName;
    private final Path scripts;

    private EmbeddedRabbitMq(Builder b) {
        super(b.dataDir, "courier-rabbitmq-");
        this.scripts = scripts();
        this.startTimeout = b.startTimeout;
        this.user = b.user;
        this.password = b.password;
        this.management = b.management;
        this.cookie = b.cookie != null ? b.cookie : kept("cookie", () -> UUID.randomUUID().toString().replace("-", ""));
        this.amqpPort = b.port > 0 ? b.port : ChildJvm.stablePort(dataDir, "amqp");
        this.distPort = ChildJvm.stablePort(dataDir, "dist");
        this.managementPort = b.managementPort > 0 ? b.managementPort : ChildJvm.stablePort(dataDir, "management");
        this.nodeName = (b.nodeName != null ? b.nodeName
                : kept("node", () -> "courier-" + UUID.randomUUID().toString().substring(0, 8))) + "@localhost";
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The directory with the node scripts, or an {@link IllegalStateException} saying in one line how to install
     * them.
     */
    public static Path scripts() {
        String override = System.getenv(SCRIPTS_ENV);
        Path dir = override != null && !override.isBlank() ? Path.of(override) : DEBIAN_SCRIPTS;
        if (!Files.isExecutable(dir.resolve("rabbitmq-server")) || !Files.isExecutable(dir.resolve("rabbitmqctl"))) {
            throw new IllegalStateException("RabbitMQ is not installed (no " + dir.resolve("rabbitmq-server") + "): "
                    + "install it with 'sudo apt-get install -y rabbitmq-server', or set " + SCRIPTS_ENV
                    + " to the directory holding rabbitmq-server and rabbitmqctl");
        }
        return dir;
    }

    /** True when the node scripts are installed (see {@link #scripts()}). */
    public static boolean installed() {
        try {
            scripts();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** The RabbitMQ version the node scripts start, from the package's directory name ({@code rabbitmq_server-3.10.8}). */
    public static String version() {
        try (var dirs = Files.list(scripts().getParent().resolve("lib"))) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.startsWith("rabbitmq_server-"))
                    .map(n -> n.substring("rabbitmq_server-".length())).findFirst().orElse("(unknown version)");
        } catch (IOException e) {
            return "(unknown version)";
        }
    }

    /** {@code amqp://127.0.0.1:<port>}: the node's AMQP listener, without credentials. */
    public String url() {
        return "amqp://127.0.0.1:" + amqpPort;
    }

    /** {@code amqp://user:password@127.0.0.1:<port>}. */
    public String urlWithCredentials() {
        return "amqp://" + user + ":" + password + "@127.0.0.1:" + amqpPort;
    }

    public int port() {
        return amqpPort;
    }

    /** The user clients log in as ({@code guest} unless the builder named another). */
    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** {@code http://127.0.0.1:<port>}: the management plugin's HTTP API and UI; only with management on. */
    public String managementUrl() {
        if (!management) {
            throw new IllegalStateException("this node runs without the management plugin");
        }
        return "http://127.0.0.1:" + managementPort;
    }

    /** The Erlang node name, {@code courier-xxxxxxxx@localhost}. */
    public String nodeName() {
        return nodeName;
    }

    /** The node's own log file. */
    public Path logFile() {
        return dataDir.resolve("log").resolve(nodeName + ".log");
    }

    /** Starts the node (unless it runs) and waits until it accepts an AMQP login. */
    @Override
    public synchronized EmbeddedRabbitMq start() {
        startAndAwait(startTimeout);
        return this;
    }

    @Override
    protected ChildJvm launch() throws IOException {
        writeFiles();
        return ChildJvm.startNative(List.of(scripts.resolve("rabbitmq-server").toString()), environment(),
                dataDir.resolve("node.out"));
    }

    /** Everything the node writes, named by its environment, so that no two nodes share a file. */
    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dataDir.resolve("home").toString());
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(amqpPort));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
        env.put("RABBITMQ_MNESIA_BASE", dataDir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dataDir.resolve("log").toString());
        env.put("RABBITMQ_CONFIG_FILE", dataDir.resolve("rabbitmq").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dataDir.resolve("advanced.config").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dataDir.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dataDir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_FEATURE_FLAGS_FILE", dataDir.resolve("feature_flags").toString());
        env.put("RABBITMQ_PID_FILE", dataDir.resolve("node.pid").toString());
        return env;
    }

    private void writeFiles() throws IOException {
        Path home = Files.createDirectories(dataDir.resolve("home"));
        Path cookieFile = home.resolve(".erlang.cookie");
        if (!Files.exists(cookieFile)) {
            Files.writeString(cookieFile, cookie, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(cookieFile, PosixFilePermissions.fromString("r--------"));
        }
        StringBuilder conf = new StringBuilder();
        conf.append("listeners.tcp.default = 127.0.0.1:").append(amqpPort).append('\n');
        // the user is made on the node's first boot only; it may then log in from anywhere, not just from localhost
        conf.append("default_user = ").append(user).append('\n');
        conf.append("default_pass = ").append(password).append('\n');
        conf.append("loopback_users = none\n");
        conf.append("log.console = false\n");
        conf.append("log.file.level = info\n");
        // a test machine's disk is small and shared: the default alarm (50 MB free) stays, no more
        conf.append("disk_free_limit.absolute = 50MB\n");
        if (management) {
            conf.append("management.tcp.port = ").append(managementPort).append('\n');
            conf.append("management.tcp.ip = 127.0.0.1\n");
        }
        Files.writeString(dataDir.resolve("rabbitmq.conf"), conf.toString(), StandardCharsets.UTF_8);
        Files.writeString(dataDir.resolve("advanced.config"), "[].\n", StandardCharsets.UTF_8);
        Files.writeString(dataDir.resolve("rabbitmq-env.conf"), "", StandardCharsets.UTF_8);
        Files.writeString(dataDir.resolve("enabled_plugins"), management ? "[rabbitmq_management].\n" : "[].\n",
                StandardCharsets.UTF_8);
    }

    /** Ready when the node accepts a login (and, with management on, its HTTP port takes connections). */
    @Override
    protected boolean answers() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(amqpPort);
        f.setUsername(user);
        f.setPassword(password);
        f.setConnectionTimeout(2000);
        f.setHandshakeTimeout(2000);
        f.setAutomaticRecoveryEnabled(false);
        try (Connection c = f.newConnection("courier-embedded-probe")) {
            return !management || listening(managementPort);
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs {@code rabbitmqctl -n <this node> <args>} and returns its output.
     *
     * @throws IllegalStateException with the output when it fails or takes longer than 60 s
     */
    public String rabbitmqctl(String... args) {
        List<String> command = new ArrayList<>(List.of(scripts.resolve("rabbitmqctl").toString(), "-n", nodeName));
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(environment());
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " failed on " + nodeName
                        + ":\n" + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run rabbitmqctl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running rabbitmqctl", e);
        }
    }

    @Override
    protected String brokerName() {
        return "RabbitMQ node " + nodeName;
    }

    /** The last lines of the node's output and log, for error messages. */
    @Override
    public String tail() {
        return ChildJvm.tail(dataDir.resolve("node.out"), 20) + "\n" + ChildJvm.tail(logFile(), 40);
    }

    @Override
    public String toString() {
        return "EmbeddedRabbitMq{" + url() + ", node=" + nodeName + ", data=" + dataDir + "}";
    }

    /** Builds an {@link EmbeddedRabbitMq}; not thread-safe. */
    public static final class Builder {
        private Path dataDir;
        private Duration startTimeout = Duration.ofSeconds(60);
        private int port;
        private int managementPort;
        private String user = "guest";
        private String password = "guest";
        private boolean management = true;
        private String nodeName;
        private String cookie;

        private Builder() {
        }

        /** The AMQP port ({@code 127.0.0.1:PORT}); default a free port, kept in the data directory. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The management plugin's HTTP port; default a free port, kept in the data directory. */
        public Builder managementPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535, got " + port);
            }
            this.managementPort = port;
            return this;
        }

        /** Keep the node's data here across runs (default: a temporary directory deleted on {@link #close()}). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The user made on the node's first boot (default {@code guest} / {@code guest}). */
        public Builder user(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Whether the management plugin runs (default true): its HTTP API lists topics and subscriptions for
         * {@code courier topics} and the console.
         */
        public Builder management(boolean on) {
            this.management = on;
            return this;
        }

        /** The node name before {@code @localhost} (default {@code courier-<random>}, kept in the data directory). */
        public Builder nodeName(String name) {
            this.nodeName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The Erlang cookie nodes of one cluster share (default a random one, kept in the data directory). */
        Builder cookie(String cookie) {
            this.cookie = cookie;
            return this;
        }

        /** Longest {@link #start()} waits for the node (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public EmbeddedRabbitMq build() {
            return new EmbeddedRabbitMq(this);
        }
    }
}
