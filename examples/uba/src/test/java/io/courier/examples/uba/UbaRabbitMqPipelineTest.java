package io.courier.examples.uba;

import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The article's third broker: the same pipeline (gateway and saver unchanged) on a private RabbitMQ node, only the
 * broker URL differing. HTTP -> gateway -> RabbitMQ -> saver (a SHARED subscription: competing consumers of a quorum
 * queue) -> H2, and a saver process SIGKILLed mid-stream -> PostgreSQL.
 */
class UbaRabbitMqPipelineTest {
    private static EmbeddedRabbitMq rabbit;
    private UbaServices services;

    @BeforeAll
    static void startRabbitMq() {
        rabbit = EmbeddedRabbitMq.builder().management(false).build().start();
    }

    @AfterAll
    static void stopRabbitMq() {
        rabbit.close();
    }

    @AfterEach
    void stopServices() {
        if (services != null) {
            services.close();
        }
    }

    private void start() {
        String h2 = "jdbc:h2:mem:uba-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
        UbaConfig config = UbaConfig.load(null, Map.of()).with(rabbit.url(), h2, "127.0.0.1:0");
        services = UbaServices.on(config, config.data().pulsar().url(), null, Database.open(config.data().database()));
        services.startSaver();
        services.startGateway();
    }

    @Test
    void everyReportSentOverHttpIsStoredOnceOnRabbitMq() throws Exception {
        start();
        PipelineChecks.everyReportStoredOnce(services, "RabbitMQ, H2");
    }

    @Test
    void aSaverProcessKilledMidStreamAndReplacedStoresEveryReportExactlyOnceOnRabbitMq() throws Exception {
        PipelineChecks.crashedSaverProcessStoresEveryReportOnce(rabbit.url(), null,
                "RabbitMQ, PostgreSQL");
    }
}
