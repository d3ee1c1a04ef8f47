package io.courier.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.embedded.ParentWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A real KRaft broker in a child JVM: data kept across SIGTERM and SIGKILL restarts, gone with its parent. */
class EmbeddedKafkaTest {

    @Test
    void startsStopsAndRestartsOnTheSameData() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            kafka.start();
            assertThat(kafka.isRunning()).isTrue();
            System.out.println("[embedded-kafka] cold start (format included) " + kafka.lastStartupTime().toMillis() + " ms");
            String topic = "embedded-data-" + UUID.randomUUID();
            Set<String> sent = produce(kafka, topic, 100);
            assertThat(consumeAll(kafka, topic, sent.size())).isEqualTo(sent);

            kafka.restart(false);
            System.out.println("[embedded-kafka] restart after SIGTERM " + kafka.lastStartupTime().toMillis() + " ms");
            assertThat(consumeAll(kafka, topic, sent.size())).as("records written before the SIGTERM restart").isEqualTo(sent);

            kafka.restart(true);
            System.out.println("[embedded-kafka] restart after SIGKILL " + kafka.lastStartupTime().toMillis() + " ms");
            assertThat(consumeAll(kafka, topic, sent.size())).as("records written before the SIGKILL restart").isEqualTo(sent);
            assertThat(Files.readString(kafka.logFile())).contains("Kafka Server started");
        }
    }

    /** Sends {@code n} records with acks=all, each confirmed; returns their values. */
    private static Set<String> produce(EmbeddedKafka kafka, String topic, int n) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        Set<String> values = new HashSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                String v = "v" + i;
                producer.send(new ProducerRecord<>(topic, "k" + (i % 7), v)).get(30, TimeUnit.SECONDS);
                values.add(v);
            }
        }
        return values;
    }

    /** Reads the topic from its beginning with a new group until {@code expected} records arrived (60 s at most). */
    private static Set<String> consumeAll(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Set<String> values = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    @Test
    void theBrokerEndsWhenItsParentIsKilled() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "parent-death-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process parent = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                EmbeddedKafkaParent.class.getName(), dataDir.toAbsolutePath().toString()))
                .redirectErrorStream(true).start();
        long brokerPid = -1;
        List<String> parentOutput = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                parentOutput.add(line);
                if (line.startsWith("broker-pid=")) {
                    brokerPid = Long.parseLong(line.substring("broker-pid=".length()));
                    break;
                }
            }
            assertThat(brokerPid).as("the parent started a broker; its output: " + parentOutput).isPositive();
            assertThat(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive)).contains(true);
            parent.destroyForcibly();   // SIGKILL: no shutdown hook of the parent runs
            assertThat(parent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            long deadline = killed + TimeUnit.SECONDS.toNanos(ParentWatch.HALT_AFTER_SECONDS + 10);
            while (ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            boolean alive = ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false);
            if (alive) {
                ProcessHandle.of(brokerPid).ifPresent(ProcessHandle::destroyForcibly);
            }
            assertThat(alive).as("broker JVM still running after its parent was SIGKILLed").isFalse();
            System.out.println("[embedded-kafka] broker ended " + Duration.ofNanos(System.nanoTime() - killed).toMillis()
                    + " ms after its parent was SIGKILLed");
        } finally {
            parent.destroyForcibly();
        }
    }
}
