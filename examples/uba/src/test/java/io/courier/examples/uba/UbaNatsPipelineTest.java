package io.courier.examples.uba;

import io.courier.nats.embedded.EmbeddedNats;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The article's last broker: the same pipeline (gateway and saver unchanged) on a private NATS server with JetStream,
 * only the broker URL differing. HTTP -> gateway -> NATS -> saver (a SHARED subscription: members of one durable pull
 * consumer) -> H2, and a saver process SIGKILLed mid-stream -> PostgreSQL.
 */
class UbaNatsPipelineTest {
    private static EmbeddedNats nats;
    private UbaServices services;

    @BeforeAll
    static void startNats() {
        nats = EmbeddedNats.builder().build().start();
    }

    @AfterAll
    static void stopNats() {
        nats.close();
    }

    @AfterEach
    void stopServices() {
        if (services != null) {
            services.close();
        }
    }

    private void start() {
        String h2 = "jdbc:h2:mem:uba-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
        UbaConfig config = UbaConfig.load(null, Map.of()).with(nats.url(), h2, "127.0.0.1:0");
        services = UbaServices.on(config, config.data().pulsar().url(), null, Database.open(config.data().database()));
        services.startSaver();
        services.startGateway();
    }

    @Test
    void everyReportSentOverHttpIsStoredOnceOnNats() throws Exception {
        start();
        PipelineChecks.everyReportStoredOnce(services, "NATS, H2");
    }

    @Test
    void aSaverProcessKilledMidStreamAndReplacedStoresEveryReportExactlyOnceOnNats() throws Exception {
        // the killed saver's unacknowledged reports come back after the ack wait: 3 s here rather than 30
        PipelineChecks.crashedSaverProcessStoresEveryReportOnce(nats.url() + "?ackWaitMs=3000", null,
                "NATS, PostgreSQL");
    }
}
