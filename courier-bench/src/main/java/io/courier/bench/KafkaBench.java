package io.courier.bench;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.kafka.embedded.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Courier on Kafka against the raw {@code kafka-clients} producer and consumer and against Spring for Apache Kafka
 * ({@code courier-bench-spring-kafka}, its own JVM and client version, Boot's defaults), on one embedded Kafka 4.4.0,
 * in alternating rounds on fresh topics (order reversed every other round). Both sides use the same producer settings
 * (idempotent, {@code acks=all}, linger 5 ms, 64 KiB batches) and the same consumer protocol; the raw consumer
 * commits asynchronously after each poll, Courier every 100 ms. Publish: 100-byte payloads sent asynchronously, the
 * clock stopped when the last is acknowledged. Consume: a pre-filled topic read from the start, the clock started at
 * the first message and stopped at the last. Prints each round and the medians; tables go to
 * {@code target/benchmarks-kafka.md}.
 */
final class KafkaBench {
    private static final byte[] PAYLOAD = new byte[100];

    private KafkaBench() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
            System.out.printf("embedded Kafka %s ready in %d ms; %,d messages x %d rounds%n", EmbeddedKafka.version(),
                    kafka.lastStartupTime().toMillis(), messages, rounds);
            run(kafka.bootstrapServers(), messages, rounds);
        }
    }

    private static void run(String servers, int n, int rounds) throws Exception {
        List<Double> rawPublish = new ArrayList<>();
        List<Double> courierPublish = new ArrayList<>();
        List<Double> barePublish = new ArrayList<>();
        List<Double> rawConsume = new ArrayList<>();
        List<Double> courierConsume = new ArrayList<>();
        List<Double> springPublish = new ArrayList<>();
        List<Double> springConsume = new ArrayList<>();
        SpringContender spring = SpringContender.locateKafka();
        int warmUp = Math.min(n, 50_000);
        // the same messages as the raw client's: bytes as the default codec and no content-type header for it
        BrokerOptions bareOptions = BrokerOptions.builder().defaultCodec("bytes").omitDefaultContentType(true).build();
        try (Broker broker = Brokers.open("kafka://" + servers); Broker bare = Brokers.open("kafka://" + servers, bareOptions)) {
            warmUp(servers, broker, Math.min(n, 50_000));
            courierPublish(bare, topic("warm"), Math.min(n, 50_000));
            for (int r = 1; r <= rounds; r++) {
                boolean rawFirst = r % 2 == 1;
                double rp = 0;
                double cp = 0;
                double bp = 0;
                for (int i = 0; i < 3; i++) {   // the order turns each round: raw, Courier, bare / Courier, bare, raw / ...
                    switch ((i + r - 1) % 3) {
                        case 0 -> rp = rawPublish(servers, topic("raw-pub"), n);
                        case 1 -> cp = courierPublish(broker, topic("courier-pub"), n);
                        default -> bp = courierPublish(bare, topic("bare-pub"), n);
                    }
                }
                double sp = spring.run("publish", servers, topic("spring-pub"), n, warmUp);
                String rawTopic = topic("raw-con");
                String courierTopic = topic("courier-con");
                String springTopic = topic("spring-con");
                fill(servers, rawTopic, n);
                fill(servers, courierTopic, n);
                fill(servers, springTopic, n);
                fill(servers, springTopic + "-warm", warmUp);
                double rc = 0;
                double cc = 0;
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == rawFirst) {
                        rc = rawConsume(servers, rawTopic, n);
                    } else {
                        cc = courierConsume(broker, courierTopic, n);
                    }
                }
                double sc = spring.run("consume", servers, springTopic, n, warmUp);
                rawPublish.add(rp);
                courierPublish.add(cp);
                barePublish.add(bp);
                rawConsume.add(rc);
                courierConsume.add(cc);
                springPublish.add(sp);
                springConsume.add(sc);
                System.out.printf("round %d: publish raw %,.0f/s, Courier %,.0f/s (%.2f), without content-type %,.0f/s "
                        + "(%.2f), Spring %,.0f/s; consume raw %,.0f/s, Courier %,.0f/s (%.2f), Spring %,.0f/s%n",
                        r, rp, cp, cp / rp, bp, bp / rp, sp, rc, cc, cc / rc, sc);
            }
        }
        StringBuilder t = new StringBuilder();
        t.append("\n### Kafka 4.4.0: Courier against the raw kafka-clients (").append(String.format("%,d", n))
                .append(" messages of 100 B, ").append(rounds).append(" rounds, medians)\n\n");
        t.append("| workload | raw kafka-clients | Courier | Courier / raw (per-round range) | Spring for Apache Kafka | "
                + "Courier / Spring (per-round range) |\n|---|---|---|---|---|---|\n");
        row(t, "publish (async, acks=all)", rawPublish, courierPublish, springPublish);
        row(t, "publish, Courier without the content-type header (`omitDefaultContentType`)", rawPublish, barePublish,
                springPublish);
        row(t, "consume (concurrency 1, from the start)", rawConsume, courierConsume, springConsume);
        System.out.print(t);
        Path out = Path.of("target", "benchmarks-kafka.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, t.toString());
    }

    private static void row(StringBuilder t, String name, List<Double> raw, List<Double> courier, List<Double> spring) {
        List<Double> toRaw = ratios(courier, raw);
        List<Double> toSpring = ratios(courier, spring);
        t.append(String.format("| %s | %,.0f msg/s | %,.0f msg/s | **%.2f** (%.2f–%.2f) | %,.0f msg/s | **%.2f** (%.2f–%.2f) |%n",
                name, Results.median(raw), Results.median(courier), Results.median(toRaw), min(toRaw), max(toRaw),
                Results.median(spring), Results.median(toSpring), min(toSpring), max(toSpring)));
    }

    private static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return r;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(d -> d).min().orElse(0);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(d -> d).max().orElse(0);
    }

    private static String topic(String prefix) {
        return "bench-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void warmUp(String servers, Broker broker, int n) throws Exception {
        rawPublish(servers, topic("warm"), n);
        courierPublish(broker, topic("warm"), n);
        String t = topic("warm");
        fill(servers, t, n);
        rawConsume(servers, t, n);
        t = topic("warm");
        fill(servers, t, n);
        courierConsume(broker, t, n);
    }

    private static Properties producerProperties(String servers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "5");
        p.put("batch.size", Integer.toString(64 * 1024));
        return p;
    }

    private static void fill(String servers, String topic, int n) throws Exception {
        rawPublish(servers, topic, n);
    }

    private static double rawPublish(String servers, String topic, int n) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(servers),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(topic);   // topic and metadata ready before the clock starts, as for Courier
            CountDownLatch done = new CountDownLatch(n);
            AtomicReference<Exception> failure = new AtomicReference<>();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, PAYLOAD), (meta, e) -> {
                    if (e != null) {
                        failure.set(e);
                    }
                    done.countDown();
                });
            }
            done.await(5, TimeUnit.MINUTES);
            double rate = Results.rate(n, start);
            if (failure.get() != null) {
                throw failure.get();
            }
            return rate;
        }
    }

    private static double courierPublish(Broker broker, String topic, int n) throws Exception {
        broker.publish(Envelope.builder(topic, PAYLOAD).codec("bytes").build());   // topic and metadata ready
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            broker.publishAsync(Envelope.builder(topic, PAYLOAD).codec("bytes").build()).whenComplete((id, e) -> {
                if (e != null) {
                    failure.set(e);
                }
                done.countDown();
            });
        }
        done.await(5, TimeUnit.MINUTES);
        double rate = Results.rate(n, start);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return rate;
    }

    private static double rawConsume(String servers, String topic, int n) {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("group.id", "raw-" + UUID.randomUUID());
        p.put("group.protocol", "consumer");
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long count = 0;
            long start = 0;
            long checksum = 0;
            while (count < n) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty() && start == 0) {
                    start = System.nanoTime();
                }
                for (var r : records) {
                    checksum += r.value().length;
                    count++;
                }
                if (!records.isEmpty()) {
                    consumer.commitAsync();
                }
            }
            double rate = Results.rate(n, start);
            consumer.commitSync();
            if (checksum != (long) n * PAYLOAD.length) {
                throw new IllegalStateException("raw consumer read " + checksum + " bytes");
            }
            return rate;
        }
    }

    private static double courierConsume(Broker broker, String topic, int n) throws Exception {
        LongAdder count = new LongAdder();
        CountDownLatch done = new CountDownLatch(1);
        long[] start = new long[1];
        Subscription s = broker.subscribe(SubscribeOptions.builder(topic, "courier-" + UUID.randomUUID())
                .initialPosition(InitialPosition.EARLIEST).build(), byte[].class, m -> {
                    if (start[0] == 0) {
                        start[0] = System.nanoTime();
                    }
                    count.increment();
                    if (count.sum() == n) {
                        done.countDown();
                    }
                });
        try {
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Courier consumed " + count.sum() + " of " + n);
            }
            return Results.rate(n, start[0]);
        } finally {
            s.close(Duration.ofSeconds(10));
        }
    }
}
