package io.courier.bench;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.kafka.embedded.EmbeddedKafka;
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
 * ({@code courier-bench-spring-kafka}, its own JVM), on one embedded Kafka 4.4.0, in alternating rounds on fresh
 * topics (the order turns every round).
 *
 * <p>Kept alike: the raw producer has Courier's producer settings (idempotent, {@code acks=all}, linger 5 ms, 64 KiB
 * batches, no compression) and, like Courier's, is made once and warmed before the rounds, then reused; the raw
 * consumer uses the consumer group protocol and commits every 100 ms, as Courier does. Publish: 100-byte payloads
 * sent asynchronously, the clock stopped when the last is acknowledged. Consume: a pre-filled topic read from the
 * start, the clock started at the first message and stopped at the last. Spring runs twice per round: with Boot's
 * defaults in a fresh 1 GiB JVM, and matched (Courier's producer and commit settings, the consumer protocol, a 4 GiB
 * pre-touched heap, a full unmeasured pass first). Tables go to {@link Fragments} section {@code kafka}.
 */
final class KafkaBench {
    private static final byte[] PAYLOAD = new byte[100];
    private static final long COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WAIT_MINUTES = 5;

    private KafkaBench() {
    }

    static void run(int messages, int rounds) throws Exception {
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
        List<Double> springPublishMatched = new ArrayList<>();
        List<Double> springConsumeMatched = new ArrayList<>();
        SpringContender spring = SpringContender.locateKafka();
        int warmUp = Math.min(n, 50_000);
        // the same messages as the raw client's: bytes as the default codec and no content-type header for it
        BrokerOptions bareOptions = BrokerOptions.builder().defaultCodec("bytes").omitDefaultContentType(true).build();
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(producerProperties(servers), new ByteArraySerializer(),
                new ByteArraySerializer());
             Broker broker = Brokers.open("kafka://" + servers);
             Broker bare = Brokers.open("kafka://" + servers, bareOptions)) {
            // one unrecorded pass of every contender in this JVM first: class loading and JIT outside the rounds
            rawPublish(raw, topic("warm"), n);
            courierPublish(broker, topic("warm"), n);
            courierPublish(bare, topic("warm"), n);
            String warmRaw = topic("warm");
            rawPublish(raw, warmRaw, n);
            rawConsume(servers, warmRaw, n);
            String warmCourier = topic("warm");
            rawPublish(raw, warmCourier, n);
            courierConsume(broker, warmCourier, n);
            for (int r = 1; r <= rounds; r++) {
                double rp = 0;
                double cp = 0;
                double bp = 0;
                for (int i = 0; i < 3; i++) {   // the order turns each round: raw, Courier, bare / Courier, bare, raw / ...
                    switch ((i + r - 1) % 3) {
                        case 0 -> rp = rawPublish(raw, topic("raw-pub"), n);
                        case 1 -> cp = courierPublish(broker, topic("courier-pub"), n);
                        default -> bp = courierPublish(bare, topic("bare-pub"), n);
                    }
                }
                double sp = spring.run("publish", servers, topic("spring-pub"), n, warmUp, false);
                double spm = spring.run("publish", servers, topic("spring-pub-matched"), n, n, true);
                String rawTopic = topic("raw-con");
                String courierTopic = topic("courier-con");
                String springTopic = topic("spring-con");
                String springMatchedTopic = topic("spring-con-matched");
                for (String t : List.of(rawTopic, courierTopic, springTopic, springMatchedTopic, springMatchedTopic + "-warm")) {
                    rawPublish(raw, t, n);
                }
                rawPublish(raw, springTopic + "-warm", warmUp);
                double rc = 0;
                double cc = 0;
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == (r % 2 == 1)) {
                        rc = rawConsume(servers, rawTopic, n);
                    } else {
                        cc = courierConsume(broker, courierTopic, n);
                    }
                }
                double sc = spring.run("consume", servers, springTopic, n, warmUp, false);
                double scm = spring.run("consume", servers, springMatchedTopic, n, n, true);
                rawPublish.add(rp);
                courierPublish.add(cp);
                barePublish.add(bp);
                rawConsume.add(rc);
                courierConsume.add(cc);
                springPublish.add(sp);
                springConsume.add(sc);
                springPublishMatched.add(spm);
                springConsumeMatched.add(scm);
                System.out.printf("round %d: publish raw %,.0f/s, Courier %,.0f/s (%.2f), without content-type %,.0f/s "
                        + "(%.2f), Spring defaults %,.0f/s, matched %,.0f/s; consume raw %,.0f/s, Courier %,.0f/s (%.2f), "
                        + "Spring defaults %,.0f/s, matched %,.0f/s%n", r, rp, cp, cp / rp, bp, bp / rp, sp, spm, rc, cc,
                        cc / rc, sc, scm);
            }
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format("Kafka 4.4.0, one KRaft node; %,d messages of 100 B per run, %d rounds, medians and "
                + "per-round ranges of the ratios.%n%n", n, rounds));
        t.append("| workload | raw kafka-clients | Courier | Courier / raw | Spring, Boot defaults | Courier / Spring "
                + "(defaults) | Spring, matched | Courier / Spring (matched) |\n|---|---|---|---|---|---|---|---|\n");
        row(t, "publish (async, acks=all)", rawPublish, courierPublish, springPublish, springPublishMatched);
        row(t, "publish, Courier without the content-type header (`omitDefaultContentType`)", rawPublish, barePublish,
                springPublish, springPublishMatched);
        row(t, "consume (concurrency 1, from the start)", rawConsume, courierConsume, springConsume, springConsumeMatched);
        t.append("\nRaw and Courier: idempotent producer, `acks=all`, linger 5 ms, 64 KiB batches, no compression, made "
                + "once and warmed; consumer protocol `consumer`, offsets committed every 100 ms; both in the benchmark's "
                + "JVM (4 GiB, pre-touched). Spring, Boot defaults: a new 1 GiB JVM per run, 16 KiB batches, the classic "
                + "group protocol, a commit after every poll, 50,000 messages of warm-up. Spring, matched: Courier's "
                + "producer settings, the consumer protocol, a commit every 100 ms, a new 4 GiB pre-touched JVM per run "
                + "warmed with as many messages as it measures.\n");
        System.out.print(t);
        Fragments.section("kafka", t.toString());
        String runs = String.format("%,d messages of 100 B per run, %d rounds", n, rounds);
        Fragments.figures("kafka", List.of(
                Fragments.row("Kafka publish, Courier / raw kafka-clients", "**" + range(ratios(courierPublish, rawPublish))
                        + "**", "bytes codec with its content-type header; the raw producer made once and warmed, as "
                        + "Courier's; " + runs),
                Fragments.row("Kafka publish, Courier without content-type / raw", range(ratios(barePublish, rawPublish)),
                        "the raw client's records, header for header"),
                Fragments.row("Kafka consume, Courier concurrency 1 / raw consumer", "**" + range(ratios(courierConsume,
                        rawConsume)) + "**", "both commit every 100 ms, consumer protocol"),
                Fragments.row("Kafka, Courier / Spring for Apache Kafka", "publish " + range(ratios(courierPublish,
                        springPublish)) + " Boot defaults, " + range(ratios(courierPublish, springPublishMatched))
                        + " matched; consume " + range(ratios(courierConsume, springConsume)) + " defaults, "
                        + range(ratios(courierConsume, springConsumeMatched)) + " matched",
                        "matched: 64 KiB batches, consumer protocol, 100 ms commits, 4 GiB pre-touched heap, warmed")));
    }

    /** A median with its per-round range: {@code 0.93 (0.88–0.97)}. */
    private static String range(List<Double> values) {
        return String.format(java.util.Locale.ROOT, "%.2f (%.2f–%.2f)", Results.median(values), min(values), max(values));
    }

    private static void row(StringBuilder t, String name, List<Double> raw, List<Double> courier, List<Double> spring,
                            List<Double> springMatched) {
        List<Double> toRaw = ratios(courier, raw);
        List<Double> toSpring = ratios(courier, spring);
        List<Double> toMatched = ratios(courier, springMatched);
        t.append(String.format("| %s | %,.0f msg/s | %,.0f msg/s | **%.2f** (%.2f–%.2f) | %,.0f msg/s | **%.2f** "
                + "(%.2f–%.2f) | %,.0f msg/s | **%.2f** (%.2f–%.2f) |%n", name, Results.median(raw), Results.median(courier),
                Results.median(toRaw), min(toRaw), max(toRaw), Results.median(spring), Results.median(toSpring),
                min(toSpring), max(toSpring), Results.median(springMatched), Results.median(toMatched), min(toMatched),
                max(toMatched)));
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

    /** Courier's producer settings (KafkaBroker): what the raw producer is compared with. */
    private static Properties producerProperties(String servers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "5");
        p.put("batch.size", Integer.toString(64 * 1024));
        p.put("compression.type", "none");
        return p;
    }

    private static double rawPublish(KafkaProducer<byte[], byte[]> producer, String topic, int n) throws Exception {
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
        awaitAll(done, "raw publish to " + topic);
        double rate = Results.rate(n, start);
        if (failure.get() != null) {
            throw failure.get();
        }
        return rate;
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
        awaitAll(done, "Courier publish to " + topic);
        double rate = Results.rate(n, start);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return rate;
    }

    private static void awaitAll(CountDownLatch done, String what) throws InterruptedException {
        if (!done.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException(what + ": " + done.getCount() + " not acknowledged within " + WAIT_MINUTES
                    + " minutes");
        }
    }

    /** poll + an asynchronous commit at most every 100 ms, Courier's commit interval. */
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
            long nextCommit = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
            while (count < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw consumer read " + count + " of " + n);
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                if (!records.isEmpty() && start == 0) {
                    start = now;
                    nextCommit = now + COMMIT_INTERVAL_NANOS;
                }
                for (var r : records) {
                    checksum += r.value().length;
                    count++;
                }
                if (start != 0 && now - nextCommit >= 0) {
                    consumer.commitAsync();
                    nextCommit = now + COMMIT_INTERVAL_NANOS;
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
            if (!done.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Courier consumed " + count.sum() + " of " + n);
            }
            return Results.rate(n, start[0]);
        } finally {
            s.close(Duration.ofSeconds(10));
        }
    }
}
