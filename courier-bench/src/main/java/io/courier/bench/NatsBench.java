package io.courier.bench;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.nats.embedded.EmbeddedNats;
import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Courier on NATS JetStream against the raw {@code jnats} client in the same JVM, on one private NATS server, in
 * alternating rounds on fresh topics (the order of Courier and the raw client turns every round).
 *
 * <p>Kept alike: a topic is a file-stored stream of its own with limits retention and one durable pull consumer with
 * explicit acks, as Courier makes them. Publish: 100-byte messages sent asynchronously with no bound on outstanding
 * acknowledgements (neither side has one), the clock stopped at the last. Consume: a pre-filled stream read by pulls of
 * 1,000 (Courier's default {@code maxInFlight}) with one ack per message; the raw side uses the client's own
 * {@code IterableConsumer}; the clock starts at the first message and stops at the last. Tables go to
 * {@link Fragments} section {@code nats}, with request/reply at a fixed rate ({@link NatsRequestBench}) first.
 */
final class NatsBench {
    private static final byte[] PAYLOAD = new byte[100];
    private static final int BATCH = SubscribeOptions.DEFAULT_MAX_IN_FLIGHT;
    private static final long WAIT_MINUTES = 5;
    /** Request/reply: a rate a single responder thread keeps up with on 2 cores, held for long enough for a p99.9. */
    private static final int REQUEST_RATE = 2_000;
    private static final int REQUEST_SECONDS = 10;

    private NatsBench() {
    }

    static void run(int messages, int rounds) throws Exception {
        try (EmbeddedNats nats = EmbeddedNats.builder().build().start()) {
            System.out.printf("private NATS %s server ready in %d ms; %,d messages x %d rounds%n",
                    EmbeddedNats.version(), nats.lastStartupTime().toMillis(), messages, rounds);
            run(nats, messages, rounds);
        }
    }


    private static void run(EmbeddedNats nats, int n, int rounds) throws Exception {
        NatsRequestBench.Outcome requests = NatsRequestBench.run(nats.url(), REQUEST_RATE, REQUEST_SECONDS, rounds);
        List<Double> rawPublish = new ArrayList<>();
        List<Double> courierPublish = new ArrayList<>();
        List<Double> rawConsume = new ArrayList<>();
        List<Double> courierConsume = new ArrayList<>();
        BrokerOptions bare = BrokerOptions.builder().defaultCodec("bytes").omitDefaultContentType(true).build();
        try (Connection raw = Nats.connect(new Options.Builder().server(nats.url()).build());
             Broker broker = Brokers.open(nats.url(), bare)) {
            // one unrecorded pass of every contender first: class loading and JIT outside the rounds
            String warm = topic("warm");
            rawPublish(raw, warm, n);
            rawConsume(raw, warm, n);
            String warmCourier = courierTopic(broker);
            courierPublish(broker, warmCourier, n);
            courierConsume(broker, warmCourier, n);
            for (int r = 1; r <= rounds; r++) {
                double rp = 0;
                double cp = 0;
                double rc = 0;
                double cc = 0;
                String rawTopic = topic("raw");
                String courierTopic = courierTopic(broker);
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == (r % 2 == 1)) {
                        rp = rawPublish(raw, rawTopic, n);
                    } else {
                        cp = courierPublish(broker, courierTopic, n);
                    }
                }
                for (int i = 0; i < 2; i++) {
                    if ((i == 0) == (r % 2 == 1)) {
                        rc = rawConsume(raw, rawTopic, n);
                    } else {
                        cc = courierConsume(broker, courierTopic, n);
                    }
                }
                rawPublish.add(rp);
                courierPublish.add(cp);
                rawConsume.add(rc);
                courierConsume.add(cc);
                System.out.printf("round %d: publish raw %,.0f/s, Courier %,.0f/s (%.2f); consume raw %,.0f/s, "
                        + "Courier %,.0f/s (%.2f)%n", r, rp, cp, cp / rp, rc, cc, cc / rc);
            }
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format("NATS %s with JetStream, one private server, file storage; %,d messages of 100 B per "
                + "run, %d rounds, medians and per-round ranges of the ratios.%n%n", EmbeddedNats.version(), n, rounds));
        t.append("| workload | raw jnats | Courier | Courier / raw |\n|---|---|---|---|\n");
        row(t, "publish (async, stream acknowledgements)", rawPublish, courierPublish);
        row(t, "consume (pulls of 1,000, one ack per message, concurrency 1)", rawConsume, courierConsume);
        t.append("\nBoth in the benchmark's JVM (4 GiB, pre-touched), on one connection each; Courier with the `bytes` "
                + "codec and no content-type header, so that both send the same bodies (Courier adds no header to a "
                + "message without key or event time). The raw consumer is jnats's `IterableConsumer` with batches of "
                + "1,000.\n");
        t.append(requests.table());
        System.out.print(t);
        Fragments.section("nats", t.toString());
        Fragments.figures("nats", List.of(
                Fragments.row("NATS publish, Courier / raw jnats", "**" + range(ratios(courierPublish, rawPublish))
                        + "**", "stream acknowledgements, no bound on outstanding ones; " + String.format(
                        "%,d messages of 100 B per run, %d rounds", n, rounds)),
                Fragments.row("NATS consume, Courier concurrency 1 / raw consumer", "**" + range(ratios(courierConsume,
                        rawConsume)) + "**", "pulls of 1,000, one ack per message"),
                requests.figure()));
    }

    private static String range(List<Double> values) {
        return String.format(java.util.Locale.ROOT, "%.2f (%.2f–%.2f)", Results.median(values),
                values.stream().mapToDouble(d -> d).min().orElse(0), values.stream().mapToDouble(d -> d).max().orElse(0));
    }

    private static void row(StringBuilder t, String name, List<Double> raw, List<Double> courier) {
        t.append(String.format("| %s | %,.0f msg/s | %,.0f msg/s | **%s** |%n", name, Results.median(raw),
                Results.median(courier), range(ratios(courier, raw))));
    }

    private static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return r;
    }

    private static String topic(String prefix) {
        return "bench-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A topic with Courier's subscription {@code bench} made, so that its stream and durable exist. */
    private static String courierTopic(Broker broker) {
        String topic = topic("courier");
        broker.subscribe(SubscribeOptions.builder(topic, "bench").type(SubscriptionType.SHARED).build(), byte[].class,
                m -> { }).close(Duration.ofSeconds(10));
        return topic;
    }

    /** As Courier makes a topic and a subscription: a stream named after it and a durable pull consumer. */
    private static void declare(Connection c, String topic) throws Exception {
        JetStreamManagement jsm = c.jetStreamManagement();
        String stream = topic.replace('.', '_');
        jsm.addStream(StreamConfiguration.builder().name(stream).subjects(topic).retentionPolicy(RetentionPolicy.Limits)
                .storageType(StorageType.File).build());
        jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("bench").ackPolicy(AckPolicy.Explicit)
                .filterSubject(topic).deliverPolicy(DeliverPolicy.All).maxAckPending(100_000).build());
    }

    private static double rawPublish(Connection c, String topic, int n) throws Exception {
        declare(c, topic);
        JetStream js = c.jetStream();
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            js.publishAsync(topic, PAYLOAD).whenComplete((ack, e) -> {
                if (e != null) {
                    failure.set(e);
                }
                done.countDown();
            });
        }
        await(done, "raw publish to " + topic);
        double rate = Results.rate(n, start);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return rate;
    }

    private static double courierPublish(Broker broker, String topic, int n) throws Exception {
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            broker.publishAsync(io.courier.Envelope.builder(topic, PAYLOAD).codec("bytes").build()).whenComplete((id, e) -> {
                if (e != null) {
                    failure.set(e);
                }
                done.countDown();
            });
        }
        await(done, "Courier publish to " + topic);
        double rate = Results.rate(n, start);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return rate;
    }

    private static double rawConsume(Connection c, String topic, int n) throws Exception {
        var durable = c.getStreamContext(topic.replace('.', '_')).getConsumerContext("bench");
        long start = 0;
        try (IterableConsumer consumer = durable.iterate(ConsumeOptions.builder().batchSize(BATCH).build())) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
            for (int got = 0; got < n; ) {
                Message m = consumer.nextMessage(Duration.ofSeconds(1));
                if (m == null) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("raw consume of " + topic + ": " + got + " of " + n);
                    }
                    continue;
                }
                if (start == 0) {
                    start = System.nanoTime();
                }
                m.ack();
                got++;
            }
            double rate = Results.rate(n, start);
            consumer.stop();
            return rate;
        }
    }

    private static double courierConsume(Broker broker, String topic, int n) throws Exception {
        LongAdder count = new LongAdder();
        CountDownLatch done = new CountDownLatch(1);
        long[] start = new long[1];
        Subscription s = broker.subscribe(SubscribeOptions.builder(topic, "bench").type(SubscriptionType.SHARED).build(),
                byte[].class, m -> {
                    if (start[0] == 0) {
                        start[0] = System.nanoTime();
                    }
                    count.increment();
                    if (count.sum() == n) {
                        done.countDown();
                    }
                });
        try {
            await(done, "Courier consume of " + topic);
            return Results.rate(n, start[0]);
        } finally {
            s.close(Duration.ofSeconds(10));
        }
    }

    private static void await(CountDownLatch done, String what) throws InterruptedException {
        if (!done.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException(what + ": not done within " + WAIT_MINUTES + " minutes");
        }
    }
}
