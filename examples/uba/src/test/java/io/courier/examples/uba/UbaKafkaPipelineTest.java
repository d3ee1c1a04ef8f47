package io.courier.examples.uba;

import io.courier.kafka.embedded.EmbeddedKafka;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The article's closing sentence: the same pipeline (gateway and saver unchanged) on a real Kafka, only the broker URL
 * differing. HTTP -> gateway -> embedded Kafka 4.4.0 -> saver (a SHARED subscription: a Kafka share group) -> H2.
 */
class UbaKafkaPipelineTest {
    private static EmbeddedKafka kafka;
    private UbaServices services;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.builder().build().start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void stopServices() {
        if (services != null) {
            services.close();
        }
    }

    private void start() {
        String h2 = "jdbc:h2:mem:uba-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1";
        UbaConfig config = UbaConfig.load(null, Map.of()).with("kafka://" + kafka.bootstrapServers(), h2, "127.0.0.1:0");
        services = UbaServices.on(config, config.data().pulsar().url(), null, Database.open(config.data().database()));
        services.startSaver();
        services.startGateway();
    }

    @Test
    void everyReportSentOverHttpIsStoredOnceOnKafka() throws Exception {
        start();
        PipelineChecks.everyReportStoredOnce(services, "Kafka, H2");
    }

    @Test
    void aSaverProcessKilledMidStreamAndReplacedStoresEveryReportExactlyOnceOnKafka() throws Exception {
        PipelineChecks.crashedSaverProcessStoresEveryReportOnce("kafka://" + kafka.bootstrapServers(), null,
                "Kafka, PostgreSQL");
    }
}
