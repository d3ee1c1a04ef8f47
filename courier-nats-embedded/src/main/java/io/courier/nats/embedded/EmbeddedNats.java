package io.courier.nats.embedded;

import io.courier.embedded.ChildJvm;
import io.courier.embedded.EmbeddedBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A private NATS server with JetStream: the machine's {@code nats-server} package (Debian's, 2.9) started with its own
 * port, name and store directory, as a child of a small watcher JVM so that it never outlives this JVM (SIGKILL of
 * this JVM included). The tests' server, and a developer's ({@code courier standalone nats}). The port and name are
 * kept in the data directory, so a restart (after SIGTERM or SIGKILL) is the same server and finds its streams and
 * their messages again. It listens on 127.0.0.1 only, with no monitoring port.
 *
 * <pre>{@code
 * try (EmbeddedNats nats = EmbeddedNats.builder().build().start()) {
 *     String url = nats.url();   // nats://127.0.0.1:<port>
 * }
 * }</pre>
 *
 * Thread-safe (every operation is synchronized).
 */
public final class EmbeddedNats extends EmbeddedBroker {
    /** Where Debian's package installs the server. */
    static final Path DEBIAN_BINARY = Path.of("/usr/sbin/nats-server");
    /** Overrides {@link #DEBIAN_BINARY}: the path of a {@code nats-server} binary. */
    public static final String BINARY_ENV = "COURIER_NATS_SERVER";

    private final Duration startTimeout;
    private final String user;
    private final String password;
    private final String token;
    private final int port;
    private final String serverName;
    private final Path binary;
    /** The cluster this server belongs to, or null for a server of its own. */
    private final String clusterName;
    private final int routePort;
    private List<Integer> peerRoutePorts = List.of();
    private final Path certFile;
    private final Path keyFile;

    private EmbeddedNats(Builder b) {
        super(b.dataDir, "courier-nats-");
        this.binary = binary();
        this.startTimeout = b.startTimeout;
        this.user = b.user;
        this.password = b.password;
        this.token = b.token;
        this.port = b.port > 0 ? b.port : ChildJvm.stablePort(dataDir, "client");
        this.serverName = kept("name", () -> "courier-" + UUID.randomUUID().toString().substring(0, 8));
        this.clusterName = b.clusterName;
        this.certFile = b.certFile;
        this.keyFile = b.keyFile;
        this.routePort = clusterName == null ? 0 : ChildJvm.stablePort(dataDir, "route");
    }

    /** The port other servers of its cluster connect to; 0 for a server of its own. */
    int routePort() {
        return routePort;
    }

    /** The route ports of the other servers of its cluster, set by {@link EmbeddedNatsCluster} before the start. */
    synchronized void peers(List<Integer> routePorts) {
        this.peerRoutePorts = List.copyOf(routePorts);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The server binary, or an {@link IllegalStateException} saying in one line how to install it. */
    public static Path binary() {
        String override = System.getenv(BINARY_ENV);
        Path file = override != null && !override.isBlank() ? Path.of(override) : DEBIAN_BINARY;
        if (!Files.isExecutable(file)) {
            throw new IllegalStateException("NATS is not installed (no " + file + "): install it with 'sudo apt-get "
                    + "install -y nats-server', or set " + BINARY_ENV + " to a nats-server binary");
        }
        return file;
    }

    /** True when the server binary is installed (see {@link #binary()}). */
    public static boolean installed() {
        try {
            binary();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** The version the server binary reports ({@code 2.9.10}), or {@code (unknown version)}. */
    public static String version() {
        try {
            Process p = new ProcessBuilder(binary().toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            int v = out.lastIndexOf('v');
            return v >= 0 && out.startsWith("nats-server") ? out.substring(v + 1) : "(unknown version)";
        } catch (IOException e) {
            return "(unknown version)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(unknown version)";
        }
    }

    /**
     * {@code nats://127.0.0.1:<port>}, or {@code tls://127.0.0.1:<port>} for a server with a certificate: the server's
     * client listener, without credentials.
     */
    public String url() {
        return (certFile != null ? "tls" : "nats") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The server's name (kept in the data directory). */
    public String serverName() {
        return serverName;
    }

    /** The server's own log file. */
    public Path logFile() {
        return dataDir.resolve("nats-server.log");
    }

    /** Starts the server (unless it runs) and waits until it answers with JetStream on. */
    @Override
    public synchronized EmbeddedNats start() {
        startAndAwait(startTimeout);
        return this;
    }

    @Override
    protected ChildJvm launch() throws IOException {
        Path config = dataDir.resolve("nats.conf");
        Files.writeString(config, config(), StandardCharsets.UTF_8);
        return ChildJvm.startNative(List.of(binary.toString(), "-c", config.toString()), Map.of(),
                dataDir.resolve("server.out"));
    }

    /** The server's configuration: everything it writes lies in the data directory. */
    String config() {
        StringBuilder c = new StringBuilder();
        c.append("listen: \"127.0.0.1:").append(port).append("\"\n");
        c.append("server_name: \"").append(serverName).append("\"\n");
        c.append("log_file: \"").append(logFile()).append("\"\n");
        c.append("pid_file: \"").append(dataDir.resolve("server.pid")).append("\"\n");
        // NATS's largest message is 1 MB unless configured; 8 MB is the most it advises
        c.append("max_payload: 8MB\n");
        c.append("jetstream {\n  store_dir: \"").append(dataDir.resolve("jetstream")).append("\"\n")
                // a test machine's disk and memory are shared: bounded, still far above what a test stores
                .append("  max_memory_store: 256MB\n  max_file_store: 4GB\n}\n");
        if (clusterName != null) {
            // JetStream in a cluster: streams with replicas placed on these servers, a leader elected per stream
            c.append("cluster {\n  name: \"").append(quoted(clusterName)).append("\"\n  listen: \"127.0.0.1:")
                    .append(routePort).append("\"\n  routes: [");
            for (int peer : peerRoutePorts) {
                c.append("\n    \"nats-route://127.0.0.1:").append(peer).append("\"");
            }
            c.append("\n  ]\n}\n");
        }
        if (certFile != null) {
            c.append("tls {\n  cert_file: \"").append(quoted(certFile.toString())).append("\"\n  key_file: \"")
                    .append(quoted(keyFile.toString())).append("\"\n}\n");
        }
        if (user != null) {
            c.append("authorization {\n  user: \"").append(quoted(user)).append("\"\n  password: \"")
                    .append(quoted(password)).append("\"\n}\n");
        } else if (token != null) {
            c.append("authorization {\n  token: \"").append(quoted(token)).append("\"\n}\n");
        }
        return c.toString();
    }

    private static String quoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Ready when the server greets a connection with an INFO line that says JetStream is on. */
    @Override
    protected boolean answers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            String info = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            return info != null && info.startsWith("INFO ") && info.contains("\"jetstream\":true");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    protected String brokerName() {
        return "NATS server " + serverName;
    }

    /** The last lines of the server's output and log, for error messages. */
    @Override
    public String tail() {
        return ChildJvm.tail(dataDir.resolve("server.out"), 20) + "\n" + ChildJvm.tail(logFile(), 40);
    }

    @Override
    public String toString() {
        return "EmbeddedNats{" + url() + ", name=" + serverName + ", data=" + dataDir + "}";
    }

    /** Builds an {@link EmbeddedNats}; not thread-safe. */
    public static final class Builder {
        private Path dataDir;
        private Duration startTimeout = Duration.ofSeconds(30);
        private int port;
        private String user;
        private String password;
        private String token;
        private String clusterName;
        private Path certFile;
        private Path keyFile;

        private Builder() {
        }

        /** Makes the server one of the cluster {@code name} (see {@link EmbeddedNatsCluster}); default none. */
        Builder cluster(String name) {
            this.clusterName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The client port ({@code 127.0.0.1:PORT}); default a free port, kept in the data directory. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Keep the server's data here across runs (default: a temporary directory deleted on {@link #close()}). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Clients must log in as this user (default: no authentication). Replaces a {@link #token}. */
        public Builder user(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            this.token = null;
            return this;
        }

        /** Clients must present this token (default: no authentication). Replaces a {@link #user}. */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            this.user = null;
            this.password = null;
            return this;
        }

        /**
         * Clients must connect with TLS ({@code tls://}); the server presents this certificate chain and key, both PEM
         * files (default: no TLS).
         */
        public Builder tls(Path certFile, Path keyFile) {
            this.certFile = Objects.requireNonNull(certFile, "certFile");
            this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
            return this;
        }

        /** Longest {@link #start()} waits for the server (default 30 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public EmbeddedNats build() {
            return new EmbeddedNats(this);
        }
    }
}
