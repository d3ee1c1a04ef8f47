package io.courier.examples.uba;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.core.App;
import io.courier.core.MessageServer;
import io.courier.embedded.EmbeddedBroker;
import io.courier.kafka.embedded.EmbeddedKafka;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import java.net.URI;
import java.time.Duration;

/**
 * The two services of the example, each a Kratos-style {@link App}: the report gateway (HTTP server + a broker for
 * its data layer) and the saver (a {@link MessageServer} writing to the database). They share nothing but the broker
 * URL, as two processes would.
 */
public final class UbaServices implements AutoCloseable {
    private final UbaConfig config;
    private final EmbeddedBroker embedded;
    private final String brokerUrl;
    private final BrokerOptions brokerOptions;
    private final Database database;
    private App gatewayApp;
    private App saverApp;
    private java.util.List<MessageServer> saverServers = java.util.List.of();
    private int saverInstances = 1;
    private ReportGateway gateway;
    private ReportSaver saver;
    private GatewayHttpServer http;
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private io.courier.otel.CourierTelemetry telemetry;
    private int saverBatchSize = ReportSaver.DEFAULT_BATCH_SIZE;
    private java.util.function.UnaryOperator<Broker> gatewayBroker = java.util.function.UnaryOperator.identity();

    private UbaServices(UbaConfig config, EmbeddedBroker embedded, String brokerUrl, BrokerOptions brokerOptions,
                        Database database) {
        this.config = config;
        this.embedded = embedded;
        this.brokerUrl = brokerUrl;
        this.brokerOptions = brokerOptions;
        this.database = database;
    }

    /**
     * Starts an embedded Pulsar when the config's broker is {@code embedded}, an embedded Kafka when it is
     * {@code embedded-kafka}, a private RabbitMQ node when it is {@code embedded-rabbitmq}, a private NATS server when it
     * is {@code embedded-nats}, and opens and migrates the database.
     */
    public static UbaServices prepare(UbaConfig config) {
        String broker = config.data().pulsar().url();
        EmbeddedBroker embedded = null;
        String brokerUrl = broker;
        String adminUrl = null;
        if (broker.equals(UbaConfig.EMBEDDED_PULSAR)) {
            EmbeddedPulsar pulsar = EmbeddedPulsar.builder().throughput(true).heap("1g").build().start();
            embedded = pulsar;
            brokerUrl = pulsar.serviceUrl();
            adminUrl = pulsar.httpUrl();
        } else if (broker.equals(UbaConfig.EMBEDDED_KAFKA)) {
            EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
            embedded = kafka;
            brokerUrl = "kafka://" + kafka.bootstrapServers();
        } else if (broker.equals(UbaConfig.EMBEDDED_RABBITMQ)) {
            EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.builder().build().start();
            embedded = rabbit;
            brokerUrl = rabbit.url() + "?managementUrl=" + rabbit.managementUrl();
        } else if (broker.equals(UbaConfig.EMBEDDED_NATS)) {
            EmbeddedNats nats = EmbeddedNats.builder().build().start();
            embedded = nats;
            brokerUrl = nats.url();
        }
        try {
            Database database = Database.open(config.data().database());
            return new UbaServices(config, embedded, brokerUrl, config.data().pulsar().brokerOptions(adminUrl), database);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** For tests: a broker that is already running (with its admin URL) and an open database. */
    public static UbaServices on(UbaConfig config, String brokerUrl, String adminUrl, Database database) {
        return new UbaServices(config, null, brokerUrl, config.data().pulsar().brokerOptions(adminUrl), database);
    }

    /** Most reports the saver writes per transaction (default {@value ReportSaver#DEFAULT_BATCH_SIZE}); before startSaver. */
    public UbaServices saverBatchSize(int size) {
        this.saverBatchSize = size;
        return this;
    }

    /**
     * Wraps the gateway's broker before the gateway publishes through it (a publish interceptor, say: a test records
     * what the gateway published); before startGateway.
     */
    public UbaServices gatewayBroker(java.util.function.UnaryOperator<Broker> wrap) {
        this.gatewayBroker = java.util.Objects.requireNonNull(wrap, "wrap");
        return this;
    }

    /** Traces and meters both services with {@code otel} (call before starting them). */
    public UbaServices withTelemetry(io.opentelemetry.api.OpenTelemetry otel) {
        this.openTelemetry = otel;
        this.telemetry = io.courier.otel.CourierTelemetry.builder(otel).build();
        return this;
    }

    /** The broker this process started (Pulsar, Kafka, RabbitMQ or NATS), or null when it uses one that was running. */
    public EmbeddedBroker embeddedBroker() {
        return embedded;
    }

    /** What the embedded broker is, for messages: {@code Pulsar 4.2.4} or {@code Kafka 4.4.0}; null when none. */
    public String embeddedBrokerName() {
        if (embedded instanceof EmbeddedKafka) {
            return "Kafka " + EmbeddedKafka.version();
        }
        if (embedded instanceof EmbeddedRabbitMq) {
            return "RabbitMQ " + EmbeddedRabbitMq.version();
        }
        if (embedded instanceof EmbeddedNats) {
            return "NATS " + EmbeddedNats.version();
        }
        return embedded == null ? null : "Pulsar " + EmbeddedPulsar.version();
    }

    public Database database() {
        return database;
    }

    public String brokerUrl() {
        return brokerUrl;
    }

    public Broker openBroker() {
        return Brokers.open(brokerUrl, brokerOptions);
    }

    /**
     * How many saver instances consume the Shared subscription side by side (default 1), as more saver processes
     * would: each has its own broker connection and writes its own batches; before startSaver.
     */
    public UbaServices saverInstances(int instances) {
        if (instances < 1 || instances > 16) {
            throw new io.courier.ConfigurationException("saver instances must be between 1 and 16, got " + instances);
        }
        this.saverInstances = instances;
        return this;
    }

    /** Starts the saver service (subscriptions opened). */
    public synchronized void startSaver() {
        saver = new ReportSaver(database.dataSource(), openTelemetry == null ? null : openTelemetry.getTracer("uba-saver"),
                saverBatchSize);
        java.util.List<MessageServer> servers = new java.util.ArrayList<>();
        for (int i = 0; i < saverInstances; i++) {
            MessageServer.Builder builder = MessageServer.builder(openBroker()).name(saverInstances == 1 ? "saver" : "saver-" + (i + 1))
                    .ownsBroker(true);
            if (telemetry != null) {
                builder.use(telemetry.middleware());
            }
            MessageServer messages = builder.build();
            saver.registerOn(messages);
            servers.add(messages);
        }
        saverServers = java.util.List.copyOf(servers);
        saverApp = App.builder().name("uba-saver").version("1.0.0").server(saverServers.toArray(new MessageServer[0]))
                .handleSignals(false).stopTimeout(Duration.ofSeconds(20)).build();
        saverApp.start();
    }

    /** Stops the saver; {@code grace} zero abandons in-flight batches (they come back, as after a crash). */
    public synchronized void stopSaver(Duration grace) {
        if (saverApp != null) {
            saverApp.stop(grace);
            saverApp = null;
            saverServers = java.util.List.of();
        }
    }

    /** Starts the gateway service (HTTP listening). */
    public synchronized void startGateway() {
        Broker raw = gatewayBroker.apply(openBroker());
        Broker broker = telemetry == null ? raw : telemetry.instrument(raw);
        gateway = new ReportGateway(broker, ReportGateway.Limits.of(config), config.data().pulsar().codec());
        http = new GatewayHttpServer(config.host(), config.port(), gateway, this::isReady,
                openTelemetry == null ? null : openTelemetry.getTracer("uba-gateway"));
        gatewayApp = App.builder().name("uba-report-gateway").version("1.0.0").server(http).handleSignals(false)
                .afterStop(app -> broker.close()).build();
        gatewayApp.start();
    }

    /** Ready: the gateway's broker is open and, when the saver runs here, all its subscriptions are open. */
    public synchronized boolean isReady() {
        return gateway != null && saverServers.stream().allMatch(MessageServer::isReady);
    }

    public synchronized void stopGateway() {
        if (gatewayApp != null) {
            gatewayApp.stop();
            gatewayApp = null;
        }
    }

    public URI gatewayUri() {
        return http.endpoint().orElseThrow();
    }

    public ReportGateway gateway() {
        return gateway;
    }

    /** Health of the saver's subscriptions (empty when it is not running). */
    public synchronized java.util.List<io.courier.SubscriptionHealth> saverHealth() {
        return saverServers.stream().flatMap(m -> m.health().stream()).toList();
    }

    public ReportSaver saver() {
        return saver;
    }

    @Override
    public void close() {
        stopGateway();
        stopSaver(Duration.ofSeconds(10));
        database.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
