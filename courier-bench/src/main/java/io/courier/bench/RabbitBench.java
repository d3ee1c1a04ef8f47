package io.courier.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Courier on RabbitMQ against the raw {@code amqp-client} in the same JVM and against Spring AMQP
 * ({@code courier-bench-spring-rabbit}, its own JVM), on one private RabbitMQ node, in alternating rounds on fresh
 * topics (the order of Courier and the raw client turns every round).
 *
 * <p>Kept alike: a topic is a durable fanout exchange with one durable quorum queue bound to it, as Courier makes
 * them. Publish: 100-byte persistent messages on one channel in confirm mode, sent asynchronously with no bound on
 * outstanding confirms (neither side has one), the clock stopped at the last confirm. Consume: a pre-filled queue,
 * a prefetch of 1,000 (Courier's default {@code maxInFlight}) and one acknowledgement per message, the clock started
 * at the first message and stopped at the last. Tables go to {@link Fragments} section {@code rabbitmq}.
 */
final class RabbitBench {
    private static final byte[] PAYLOAD = new byte[100];
    private static final int PREFETCH = SubscribeOptions.DEFAULT_MAX_IN_FLIGHT;
    private static final long WAIT_MINUTES = 5;

    private RabbitBench() {
    }

    static void run(int messages, int rounds) throws Exception {
        try (EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.builder().management(false).build().start()) {
            System.out.printf("private RabbitMQ %s node ready in %d ms; %,d messages x %d rounds%n",
                    EmbeddedRabbitMq.version(), rabbit.lastStartupTime().toMillis(), messages, rounds);
            run(rabbit, messages, rounds);
        }
    }

    private static void run(EmbeddedRabbitMq rabbit, int n, int rounds) throws Exception {
        List<Double> rawPublish = new ArrayList<>();
        List<Double> courierPublish = new ArrayList<>();
        List<Double> rawConsume = new ArrayList<>();
        List<Double> courierConsume = new ArrayList<>();
        List<Double> springPublish = new ArrayList<>();
        List<Double> springConsume = new ArrayList<>();
        List<Double> springPublishMatched = new ArrayList<>();
        List<Double> springConsumeMatched = new ArrayList<>();
        SpringContender spring = SpringContender.locateRabbit();
        String address = "127.0.0.1:" + rabbit.port();
        int warmUp = Math.min(n, 50_000);
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(rabbit.port());
        BrokerOptions bare = BrokerOptions.builder().defaultCodec("bytes").omitDefaultContentType(true).build();
        try (Connection raw = f.newConnection("bench-raw"); Broker broker = Brokers.open(rabbit.url(), bare)) {
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
                declare(raw, rawTopic);
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
                double sp = springPublish(spring, raw, address, n, warmUp, false);
                double spm = springPublish(spring, raw, address, n, n, true);
                double sc = springConsume(spring, raw, address, n, warmUp, false);
                double scm = springConsume(spring, raw, address, n, n, true);
                rawPublish.add(rp);
                courierPublish.add(cp);
                rawConsume.add(rc);
                courierConsume.add(cc);
                springPublish.add(sp);
                springPublishMatched.add(spm);
                springConsume.add(sc);
                springConsumeMatched.add(scm);
                System.out.printf("round %d: publish raw %,.0f/s, Courier %,.0f/s (%.2f), Spring defaults %,.0f/s, matched "
                        + "%,.0f/s; consume raw %,.0f/s, Courier %,.0f/s (%.2f), Spring defaults %,.0f/s, matched %,.0f/s%n",
                        r, rp, cp, cp / rp, sp, spm, rc, cc, cc / rc, sc, scm);
            }
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format("RabbitMQ %s, one private node, quorum queues; %,d messages of 100 B per run, %d rounds, "
                + "medians and per-round ranges of the ratios.%n%n", EmbeddedRabbitMq.version(), n, rounds));
        t.append("| workload | raw amqp-client | Courier | Courier / raw | Spring AMQP, Boot defaults | Courier / Spring "
                + "(defaults) | Spring AMQP, matched | Courier / Spring (matched) |\n|---|---|---|---|---|---|---|---|\n");
        row(t, "publish (async, persistent, publisher confirms)", rawPublish, courierPublish, springPublish,
                springPublishMatched);
        row(t, "consume (one ack per message, concurrency 1)", rawConsume, courierConsume, springConsume,
                springConsumeMatched);
        t.append("\nRaw and Courier in the benchmark's JVM (4 GiB, pre-touched), on one connection each, prefetch 1,000; "
                + "Courier with the `bytes` codec and no content-type header, so that both send the same message bodies "
                + "(Courier adds its message id and publish time to each). Spring AMQP (`RabbitTemplate` with correlated "
                + "confirms, `@RabbitListener`), Boot defaults: a new 1 GiB JVM per run, prefetch 250, 50,000 messages "
                + "of warm-up; matched: prefetch 1,000, a new 4 GiB pre-touched JVM warmed with as many messages as it "
                + "measures.\n");
        System.out.print(t);
        Fragments.section("rabbitmq", t.toString());
        String runs = String.format("%,d messages of 100 B per run, %d rounds", n, rounds);
        Fragments.figures("rabbitmq", List.of(
                Fragments.row("RabbitMQ publish, Courier / raw amqp-client", "**" + range(ratios(courierPublish,
                        rawPublish)) + "**", "confirms on one channel, no bound on outstanding confirms; " + runs),
                Fragments.row("RabbitMQ consume, Courier concurrency 1 / raw consumer", "**" + range(ratios(courierConsume,
                        rawConsume)) + "**", "prefetch 1,000, one acknowledgement per message"),
                Fragments.row("RabbitMQ, Courier / Spring AMQP", "publish " + range(ratios(courierPublish, springPublish))
                        + " Boot defaults, " + range(ratios(courierPublish, springPublishMatched)) + " matched; consume "
                        + range(ratios(courierConsume, springConsume)) + " defaults, " + range(ratios(courierConsume,
                        springConsumeMatched)) + " matched", "matched: prefetch 1,000, 4 GiB pre-touched heap, warmed")));
    }

    private static String range(List<Double> values) {
        return String.format(java.util.Locale.ROOT, "%.2f (%.2f–%.2f)", Results.median(values),
                values.stream().mapToDouble(d -> d).min().orElse(0), values.stream().mapToDouble(d -> d).max().orElse(0));
    }

    private static void row(StringBuilder t, String name, List<Double> raw, List<Double> courier, List<Double> spring,
                            List<Double> springMatched) {
        t.append(String.format("| %s | %,.0f msg/s | %,.0f msg/s | **%s** | %,.0f msg/s | **%s** | %,.0f msg/s | **%s** |%n",
                name, Results.median(raw), Results.median(courier), range(ratios(courier, raw)), Results.median(spring),
                range(ratios(courier, spring)), Results.median(springMatched), range(ratios(courier, springMatched))));
    }

    /** Spring AMQP publishing to a new topic set up as Courier's, in its own JVM. */
    private static double springPublish(SpringContender spring, Connection raw, String address, int n, int warmUp,
                                        boolean matched) throws Exception {
        String topic = topic("spring-pub");
        declare(raw, topic);
        return spring.run("publish", address, topic, n, warmUp, matched);
    }

    /** Spring AMQP consuming a queue filled beforehand (and a warm-up queue), in its own JVM. */
    private static double springConsume(SpringContender spring, Connection raw, String address, int n, int warmUp,
                                        boolean matched) throws Exception {
        String topic = topic("spring-con");
        rawPublish(raw, topic, n);
        rawPublish(raw, topic + "-warm", warmUp);
        return spring.run("consume", address, topic, n, warmUp, matched);
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

    /** A topic with Courier's subscription {@code bench} made, so that what is published to it is kept. */
    private static String courierTopic(Broker broker) {
        String topic = topic("courier");
        broker.subscribe(SubscribeOptions.builder(topic, "bench").type(SubscriptionType.SHARED).build(), byte[].class,
                m -> { }).close(Duration.ofSeconds(10));
        return topic;
    }

    /** As Courier makes a topic and a SHARED subscription: a fanout exchange and a quorum queue bound to it. */
    private static void declare(Connection c, String topic) throws Exception {
        try (Channel ch = c.createChannel()) {
            ch.exchangeDeclare(topic, BuiltinExchangeType.FANOUT, true);
            ch.queueDeclare(topic + "::bench", true, false, false, Map.of("x-queue-type", "quorum"));
            ch.queueBind(topic + "::bench", topic, "");
        }
    }

    private static double rawPublish(Connection c, String topic, int n) throws Exception {
        declare(c, topic);
        try (Channel ch = c.createChannel()) {
            ch.confirmSelect();
            ConcurrentSkipListMap<Long, Boolean> outstanding = new ConcurrentSkipListMap<>();
            LongAdder confirmed = new LongAdder();
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<String> failure = new AtomicReference<>();
            ch.addConfirmListener((tag, multiple) -> settle(outstanding, confirmed, tag, multiple, done, n),
                    (tag, multiple) -> {
                        failure.set("nack " + tag);
                        settle(outstanding, confirmed, tag, multiple, done, n);
                    });
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                outstanding.put(ch.getNextPublishSeqNo(), Boolean.TRUE);
                ch.basicPublish(topic, "", false, persistent, PAYLOAD);
            }
            await(done, "raw publish to " + topic);
            double rate = Results.rate(n, start);
            if (failure.get() != null) {
                throw new IllegalStateException(failure.get());
            }
            return rate;
        }
    }

    /** The publisher-confirm bookkeeping an application keeps with the raw client: which sends are still open. */
    private static void settle(ConcurrentSkipListMap<Long, Boolean> outstanding, LongAdder confirmed, long tag,
                               boolean multiple, CountDownLatch done, int n) {
        if (multiple) {
            var head = outstanding.headMap(tag, true);
            confirmed.add(head.size());
            head.clear();
        } else if (outstanding.remove(tag) != null) {
            confirmed.increment();
        }
        if (confirmed.sum() == n) {
            done.countDown();
        }
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
        try (Channel ch = c.createChannel()) {
            ch.basicQos(PREFETCH);
            CountDownLatch done = new CountDownLatch(1);
            long[] start = new long[1];
            long[] count = new long[1];
            String tag = ch.basicConsume(topic + "::bench", false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                        throws java.io.IOException {
                    if (start[0] == 0) {
                        start[0] = System.nanoTime();
                    }
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                    if (++count[0] == n) {
                        done.countDown();
                    }
                }
            });
            await(done, "raw consume of " + topic);
            double rate = Results.rate(n, start[0]);
            ch.basicCancel(tag);
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
