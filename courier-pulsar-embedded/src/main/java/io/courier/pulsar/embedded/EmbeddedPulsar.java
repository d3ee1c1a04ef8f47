package io.courier.pulsar.embedded;

import io.courier.embedded.ChildJvm;
import io.courier.embedded.EmbeddedBroker;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A real Apache Pulsar 4.2.4 standalone broker (RocksDB metadata, one bookie, no ZooKeeper) running in a child JVM
 * with the broker's own classpath, so that its 325 jars never meet the application's and tests can stop it with
 * SIGTERM, kill it with SIGKILL and restart it on the same data. Ports are picked free on first start and kept for
 * restarts (the bookie remembers its port in its data). The broker logs to {@code broker.log} in the data directory.
 *
 * <pre>{@code
 * try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().build().start()) {
 *     Broker broker = Brokers.open(pulsar.serviceUrl(), ...);
 * }
 * }</pre>
 *
 * <p>Defaults: a fresh temporary data directory (deleted on close), child heap 512 MiB, start timeout 120 s, no
 * authentication. The broker JVM never outlives the JVM that started it: it stops when its parent ends for any reason,
 * SIGKILL included, so no test or demo leaves a broker behind. Thread-safe: lifecycle methods are synchronized.
 */
public final class EmbeddedPulsar extends EmbeddedBroker {
    private static final String VERSION = "4.2.4";

    private final String heap;
    private final boolean throughput;
    private final Duration startTimeout;
    private final TokenAuth tokenAuth;
    private final int brokerPort;
    private final int webPort;
    private final int bookiePort;
    private final int tlsBrokerPort;
    private final int tlsWebPort;
    private final Path tlsDir;

    private EmbeddedPulsar(Builder b) {
        super(b.dataDir, "courier-pulsar-");
        this.heap = b.heap;
        this.throughput = b.throughput;
        this.startTimeout = b.startTimeout;
        this.tokenAuth = b.tokenAuth;
        this.brokerPort = b.brokerPort > 0 ? b.brokerPort : ChildJvm.freePort();
        this.webPort = b.webPort > 0 ? b.webPort : ChildJvm.freePort();
        this.bookiePort = ChildJvm.stablePort(dataDir, "bookie");
        this.tlsBrokerPort = b.tls ? ChildJvm.freePort() : -1;
        this.tlsWebPort = b.tls ? ChildJvm.freePort() : -1;
        this.tlsDir = b.tls ? SelfSignedTls.create(dataDir.resolve("tls")) : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The Pulsar version this starts. */
    public static String version() {
        return VERSION;
    }

    /** {@code pulsar://127.0.0.1:PORT}. */
    public String serviceUrl() {
        return "pulsar://127.0.0.1:" + brokerPort;
    }

    /** {@code http://127.0.0.1:PORT}, the admin REST endpoint. */
    public String httpUrl() {
        return "http://127.0.0.1:" + webPort;
    }

    /**
     * {@code pulsar+ssl://localhost:PORT} when TLS is on. The certificate is self-signed for {@code localhost} and
     * {@code 127.0.0.1}: trust {@link #tlsTrustCertsFile()}.
     */
    public String tlsServiceUrl() {
        requireTls();
        return "pulsar+ssl://localhost:" + tlsBrokerPort;
    }

    /** {@code https://localhost:PORT}, the admin REST endpoint over TLS, when TLS is on. */
    public String tlsHttpUrl() {
        requireTls();
        return "https://localhost:" + tlsWebPort;
    }

    /** The PEM certificate a client must trust to reach the TLS ports. */
    public Path tlsTrustCertsFile() {
        requireTls();
        return tlsDir.resolve(SelfSignedTls.CERTIFICATE);
    }

    private void requireTls() {
        if (tlsDir == null) {
            throw new IllegalStateException("TLS is off for this broker: build it with tls()");
        }
    }

    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** The super-user token when token authentication is on. */
    public String superUserToken() {
        if (tokenAuth == null) {
            throw new IllegalStateException("token authentication is off for this broker");
        }
        return tokenAuth.superUserToken();
    }

    /** A token for {@code role} that this broker accepts (token authentication must be on). */
    public String tokenFor(String role) {
        if (tokenAuth == null) {
            throw new IllegalStateException("token authentication is off for this broker");
        }
        return tokenAuth.tokenFor(role);
    }

    /**
     * Starts the broker and waits until its admin API lists {@code public/default}.
     *
     * @throws IllegalStateException with the tail of the broker log when it does not become ready in time
     */
    @Override
    public synchronized EmbeddedPulsar start() {
        startAndAwait(startTimeout);
        return this;
    }

    @Override
    protected ChildJvm launch() throws IOException {
        Path conf = writeConfig();
        Path log4j = ChildJvm.writeLog4j2FileConfig(dataDir, logFile());
        List<String> jvm = new java.util.ArrayList<>(List.of("-Xms64m", "-Xmx" + heap, "-XX:MaxDirectMemorySize=" + heap));
        // the quick C1-only start suits tests; a broker that carries load for minutes gains more from C2's code
        jvm.addAll(throughput ? List.of("-XX:+UseParallelGC") : List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        jvm.addAll(List.of("-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-Dpulsar.log.dir=" + dataDir,
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        // --zookeeper-dir is left out on purpose: when that directory exists standalone switches to ZooKeeper.
        List<String> args = List.of("--config", conf.toString(),
                "--metadata-dir", dataDir.resolve("metadata").toString(),
                "--bookkeeper-dir", dataDir.resolve("bookkeeper").toString(),
                "--bookkeeper-port", Integer.toString(bookiePort),
                "--no-functions-worker", "--no-stream-storage");
        String classpath = ChildJvm.buildTimeClasspath(EmbeddedPulsar.class, "broker.classpath",
                "courier-pulsar-embedded");
        return ChildJvm.start(jvm, classpath, "org.apache.pulsar.PulsarStandaloneStarter", args,
                dataDir.resolve("broker.out"));
    }

    @Override
    protected boolean answers() {
        return answers(URI.create(httpUrl() + "/admin/v2/namespaces/public"));
    }

    @Override
    protected String brokerName() {
        return "Pulsar broker";
    }

    private boolean answers(URI probe) {
        try {
            HttpURLConnection c = (HttpURLConnection) probe.toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            if (tokenAuth != null) {
                c.setRequestProperty("Authorization", "Bearer " + tokenAuth.superUserToken());
            }
            if (c.getResponseCode() != 200) {
                return false;
            }
            try (InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("public/default");
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** The last 40 lines of the broker's output, for error messages. */
    @Override
    public String tail() {
        return ChildJvm.tail(dataDir.resolve("broker.out"), 40);
    }

    private Path writeConfig() throws IOException {
        StringBuilder c = new StringBuilder();
        line(c, "clusterName", "standalone");
        line(c, "bindAddress", "127.0.0.1");
        line(c, "advertisedAddress", "127.0.0.1");
        line(c, "brokerServicePort", Integer.toString(brokerPort));
        line(c, "webServicePort", Integer.toString(webPort));
        line(c, "managedLedgerDefaultEnsembleSize", "1");
        line(c, "managedLedgerDefaultWriteQuorum", "1");
        line(c, "managedLedgerDefaultAckQuorum", "1");
        line(c, "loadManagerClassName", "org.apache.pulsar.broker.loadbalance.NoopLoadManager");
        line(c, "loadBalancerEnabled", "false");
        line(c, "functionsWorkerEnabled", "false");
        line(c, "webSocketServiceEnabled", "false");
        line(c, "transactionCoordinatorEnabled", "false");
        line(c, "allowAutoTopicCreation", "true");
        line(c, "allowAutoTopicCreationType", "non-partitioned");
        line(c, "brokerDeleteInactiveTopicsEnabled", "false");
        line(c, "systemTopicEnabled", "true");
        line(c, "topicLevelPoliciesEnabled", "true");
        line(c, "delayedDeliveryEnabled", "true");
        line(c, "delayedDeliveryTickTimeMillis", "100");
        line(c, "isDelayedDeliveryDeliverAtTimeStrict", "true");
        line(c, "managedLedgerNewEntriesCheckDelayInMillis", "0");
        line(c, "bookkeeperUseV2WireProtocol", "true");
        line(c, "journalMaxGroupWaitMSec", "1");
        line(c, "journalSyncData", "false");
        line(c, "dbStorage_writeCacheMaxSizeMb", "64");
        line(c, "dbStorage_readAheadCacheMaxSizeMb", "64");
        line(c, "allowLoopback", "true");
        line(c, "diskUsageThreshold", "0.99");
        line(c, "diskUsageWarnThreshold", "0.99");
        line(c, "brokerShutdownTimeoutMs", "5000");
        // room for a full 5 MiB message plus its headers between broker and bookie (else the bookie drops the frame)
        line(c, "nettyMaxFrameSizeBytes", "5253120");
        line(c, "backlogQuotaCheckIntervalInSeconds", "1");
        line(c, "backlogQuotaCheckEnabled", "true");
        line(c, "exposeTopicLevelPoliciesEnabled", "true");
        line(c, "httpServerThreadPoolQueueSize", "1000");
        if (tlsDir != null) {
            line(c, "brokerServicePortTls", Integer.toString(tlsBrokerPort));
            line(c, "webServicePortTls", Integer.toString(tlsWebPort));
            line(c, "tlsEnabledWithKeyStore", "true");
            line(c, "tlsKeyStoreType", "PKCS12");
            line(c, "tlsKeyStore", tlsDir.resolve(SelfSignedTls.KEY_STORE).toString());
            line(c, "tlsKeyStorePassword", SelfSignedTls.PASSWORD);
            line(c, "tlsTrustStoreType", "PKCS12");
            line(c, "tlsTrustStore", tlsDir.resolve(SelfSignedTls.KEY_STORE).toString());
            line(c, "tlsTrustStorePassword", SelfSignedTls.PASSWORD);
            line(c, "tlsRequireTrustedClientCertOnConnect", "false");
        }
        if (tokenAuth != null) {
            line(c, "authenticationEnabled", "true");
            line(c, "authenticationProviders", "org.apache.pulsar.broker.authentication.AuthenticationProviderToken");
            line(c, "tokenSecretKey", "data:;base64," + tokenAuth.secretKeyBase64());
            line(c, "authorizationEnabled", "true");
            line(c, "superUserRoles", TokenAuth.SUPER_USER);
            line(c, "brokerClientAuthenticationPlugin", "org.apache.pulsar.client.impl.auth.AuthenticationToken");
            line(c, "brokerClientAuthenticationParameters", "token:" + tokenAuth.superUserToken());
        }
        Path file = dataDir.resolve("standalone.conf");
        Files.writeString(file, c.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static void line(StringBuilder c, String key, String value) {
        c.append(key).append('=').append(value).append('\n');
    }

    @Override
    public String toString() {
        return "EmbeddedPulsar{" + serviceUrl() + ", " + httpUrl() + (tlsDir != null ? ", " + tlsServiceUrl() : "")
                + ", data=" + dataDir + (tokenAuth != null ? ", token auth" : "") + "}";
    }

    /** Builds an {@link EmbeddedPulsar}; not thread-safe. */
    public static final class Builder {
        private Path dataDir;
        private String heap = "512m";
        private boolean throughput;
        private Duration startTimeout = Duration.ofSeconds(120);
        private TokenAuth tokenAuth;
        private boolean tls;
        private int brokerPort;
        private int webPort;

        private Builder() {
        }

        /** The binary protocol's port ({@code pulsar://127.0.0.1:PORT}); default a free port. */
        public Builder brokerPort(int port) {
            this.brokerPort = checkPort(port);
            return this;
        }

        /** The admin HTTP port; default a free port. */
        public Builder webPort(int port) {
            this.webPort = checkPort(port);
            return this;
        }

        private static int checkPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535, got " + port);
            }
            return port;
        }

        /** Keep data here (kept on close) instead of a temporary directory (deleted on close). */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir);
            return this;
        }

        /**
         * Tunes the broker's JVM for sustained load rather than a quick start: full JIT compilation (C2) and the
         * parallel collector instead of C1 only and the serial collector. Off by default (tests start many brokers);
         * on for the example's pipeline, the benchmarks and {@code courier standalone}.
         */
        public Builder throughput(boolean on) {
            this.throughput = on;
            return this;
        }

        /** Child JVM heap and direct memory, e.g. {@code 512m} (default). */
        public Builder heap(String heap) {
            this.heap = Objects.requireNonNull(heap);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Turns on token authentication and authorization with a fresh HS256 secret. */
        public Builder tokenAuth() {
            this.tokenAuth = TokenAuth.generate();
            return this;
        }

        /**
         * Also listens with TLS (a fresh self-signed certificate made with the JDK's keytool), next to the plain
         * ports; see {@link EmbeddedPulsar#tlsServiceUrl()}.
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        public EmbeddedPulsar build() {
            return new EmbeddedPulsar(this);
        }
    }
}
