package io.courier.examples.uba;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.core.App;
import io.courier.core.MessageServer;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.net.URI;
import java.time.Duration;

/**
 * The two services of the example, each a Kratos-style {@link App}: the report gateway (HTTP server + a broker for
 * its data layer) and the saver (a {@link MessageServer} writing to the database). They share nothing but the broker
 * URL, as two processes would.
 */
public final class UbaServices implements AutoCloseable {
    private final UbaConfig config;
    private final EmbeddedPulsar embedded;
    private final String brokerUrl;
    private final BrokerOptions brokerOptions;
    private final Database database;
    private App gatewayApp;
    private App saverApp;
    private MessageServer saverServer;
    private ReportGateway gateway;
    private ReportSaver saver;
    private HttpServerAdapter http;

    private UbaServices(UbaConfig config, EmbeddedPulsar embedded, String brokerUrl, BrokerOptions brokerOptions,
                        Database database) {
        this.config = config;
        this.embedded = embedded;
        this.brokerUrl = brokerUrl;
        this.brokerOptions = brokerOptions;
        this.database = database;
    }

    /** Starts an embedded Pulsar when the config says {@code embedded}, and opens and migrates the database. */
    public static UbaServices prepare(UbaConfig config) {
        EmbeddedPulsar embedded = null;
        if (config.data().pulsar().url().equals("embedded")) {
            embedded = EmbeddedPulsar.builder().build().start();
        }
        try {
            Database database = Database.open(config.data().database());
            if (embedded != null) {
                return new UbaServices(config, embedded, embedded.serviceUrl(),
                        BrokerOptions.builder().property("adminUrl", embedded.httpUrl()).build(), database);
            }
            return new UbaServices(config, null, config.data().pulsar().url(), BrokerOptions.defaults(), database);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** For tests: a broker that is already running (with its admin URL) and an open database. */
    public static UbaServices on(UbaConfig config, String brokerUrl, String adminUrl, Database database) {
        return new UbaServices(config, null, brokerUrl, BrokerOptions.builder().property("adminUrl", adminUrl).build(),
                database);
    }

    public EmbeddedPulsar embeddedPulsar() {
        return embedded;
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

    /** Starts the saver service (subscriptions opened). */
    public synchronized void startSaver() {
        saver = new ReportSaver(database.dataSource());
        MessageServer messages = MessageServer.builder(openBroker()).name("saver").ownsBroker(true).build();
        saver.registerOn(messages);
        saverServer = messages;
        saverApp = App.builder().name("uba-saver").version("1.0.0").server(messages).handleSignals(false)
                .stopTimeout(Duration.ofSeconds(20)).build();
        saverApp.start();
    }

    /** Stops the saver; {@code grace} zero abandons in-flight batches (they come back, as after a crash). */
    public synchronized void stopSaver(Duration grace) {
        if (saverApp != null) {
            saverApp.servers().forEach(s -> s.stop(grace));
            saverApp.stop();
            saverApp = null;
        }
    }

    /** Starts the gateway service (HTTP listening). */
    public synchronized void startGateway() {
        Broker broker = openBroker();
        gateway = new ReportGateway(broker, config.server().http().maxBodyBytes(), config.data().pulsar().codec());
        http = new HttpServerAdapter("gateway", config.host(), config.port(), 16)
                .route("/agent/v1/report", gateway::handle)
                .route("/healthz", exchange -> {
                    try (exchange) {
                        exchange.sendResponseHeaders(200, -1);
                    }
                });
        gatewayApp = App.builder().name("uba-report-gateway").version("1.0.0").server(http).handleSignals(false)
                .afterStop(app -> broker.close()).build();
        gatewayApp.start();
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
        return saverServer == null ? java.util.List.of() : saverServer.health();
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
