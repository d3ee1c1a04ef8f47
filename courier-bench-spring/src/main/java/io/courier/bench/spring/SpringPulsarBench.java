package io.courier.bench.spring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.pulsar.client.api.MessageId;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.pulsar.annotation.PulsarListener;
import org.springframework.pulsar.config.PulsarListenerEndpointRegistry;
import org.springframework.pulsar.core.PulsarTemplate;
import org.springframework.stereotype.Component;

/**
 * Spring for Apache Pulsar doing what courier-bench asks of Courier and of the raw client, the way its documentation
 * shows: {@code PulsarTemplate} to publish, {@code @PulsarListener} to consume, Spring Boot's defaults otherwise.
 * One workload per process; prints {@code RESULT <msg/s>}.
 *
 * <p>Arguments: {@code publish|consume <serviceUrl> <topic> <messages> <warm-up messages> [defaults|matched]}. For
 * consume, the caller fills {@code <topic>} with the messages and {@code <topic>-warm} with the warm-up messages
 * beforehand. Or {@code latency <serviceUrl> <topic> <rate> <seconds>}: 10 s unrecorded at the rate first, then the
 * measured run; prints {@code RESULT <p50 ms> <p99 ms> <p99.9 ms>}. With {@code matched}, the producer batches as
 * Courier's does (up to 1,000 messages or 1 ms, key-based batches, blocking when its queue is full); the consumer's
 * receiver queue (1,000) and acknowledgement grouping (100 ms) are the client's defaults on both sides already.
 */
@SpringBootApplication
public class SpringPulsarBench {
    static final LongAdder RECEIVED = new LongAdder();
    /** When the measured listener got its first message (the warm-up one): the consume clock starts there. */
    static final java.util.concurrent.atomic.AtomicLong FIRST_MESSAGE_NANOS = new java.util.concurrent.atomic.AtomicLong();
    static final LongAdder WARM = new LongAdder();
    /** Latency run: arrival minus scheduled send time, in microseconds, of the measured topic's messages. */
    static volatile long[] latencies;

    /**
     * The listeners of the consume run, started by hand so that the clock leaves out Spring's own start-up; the
     * first drains a warm-up backlog so the measured one runs on warmed code, as the in-process contenders do.
     */
    @Component
    static class Listeners {
        @PulsarListener(id = "warm", topics = "${bench.topic}-warm", subscriptionName = "bench", autoStartup = "false")
        void onWarmUp(byte[] payload) {
            WARM.increment();
        }

        @PulsarListener(id = "bench", topics = "${bench.topic}", subscriptionName = "bench", autoStartup = "false")
        void onMessage(byte[] payload) {
            FIRST_MESSAGE_NANOS.compareAndSet(0, System.nanoTime());
            long[] sink = latencies;
            if (sink != null) {
                if (payload.length != 100) {
                    return;   // the latency run's producer-creating marker
                }
                long micros = (System.nanoTime() - java.nio.ByteBuffer.wrap(payload).getLong()) / 1_000;
                int i = (int) RECEIVED.sum();
                if (i < sink.length) {
                    sink[i] = micros;
                }
            }
            RECEIVED.increment();
        }
    }

    /** Courier's producer batching, for the matched runs. */
    @org.springframework.context.annotation.Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty("bench.matched")
    org.springframework.pulsar.core.ProducerBuilderCustomizer<Object> courierBatching() {
        return b -> b.enableBatching(true).batchingMaxMessages(1000).batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS)
                .batcherBuilder(org.apache.pulsar.client.api.BatcherBuilder.KEY_BASED).blockIfQueueFull(true);
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String serviceUrl = args[1];
        String topic = args[2];
        int n = Integer.parseInt(args[3]);
        int warmUp = Integer.parseInt(args[4]);
        boolean matched = args.length > 5 && args[5].equals("matched");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SpringPulsarBench.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .properties("spring.pulsar.client.service-url=" + serviceUrl, "bench.topic=" + topic,
                        "spring.pulsar.consumer.subscription.initial-position=earliest", "spring.main.banner-mode=off",
                        "bench.matched=" + matched)
                .run()) {
            if (mode.equals("latency")) {
                double[] p = latency(context, topic, n, warmUp);
                System.out.println("RESULT " + p[0] + " " + p[1] + " " + p[2]);
                return;
            }
            double rate = mode.equals("publish") ? publish(context, topic, n, warmUp) : consume(context, n, warmUp);
            System.out.println("RESULT " + rate);
        }
    }

    @SuppressWarnings("unchecked")
    private static double publish(ConfigurableApplicationContext context, String topic, int n, int warmUp) throws Exception {
        PulsarTemplate<byte[]> template = context.getBean(PulsarTemplate.class);
        byte[] payload = new byte[100];
        CompletableFuture<MessageId> warm = null;
        for (int i = 0; i < warmUp; i++) {
            warm = template.sendAsync(topic + "-warm", payload);
        }
        if (warm != null) {
            warm.get(5, TimeUnit.MINUTES);
        }
        template.send(topic, payload);   // the topic's producer exists before the clock starts, as for the others
        long start = System.nanoTime();
        CompletableFuture<MessageId> last = null;
        for (int i = 0; i < n; i++) {
            last = template.sendAsync(topic, payload);
        }
        last.get(5, TimeUnit.MINUTES);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static double consume(ConfigurableApplicationContext context, int n, int warmUp) {
        PulsarListenerEndpointRegistry registry = context.getBean(PulsarListenerEndpointRegistry.class);
        registry.getListenerContainer("warm").start();
        long warmDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (WARM.sum() < warmUp && System.nanoTime() < warmDeadline) {
            LockSupport.parkNanos(200_000);
        }
        registry.getListenerContainer("warm").stop();
        registry.getListenerContainer("bench").start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (RECEIVED.sum() < n + 1 && System.nanoTime() < deadline) {   // n + the warm-up message
            LockSupport.parkNanos(200_000);
        }
        if (RECEIVED.sum() < n + 1) {
            throw new IllegalStateException("received " + RECEIVED.sum() + " of " + (n + 1));
        }
        // the clock starts at the first (warm-up) message, as for the other contenders: subscribing is outside it
        return n / ((System.nanoTime() - FIRST_MESSAGE_NANOS.get()) / 1e9);
    }

    /** Fixed-rate publish with the scheduled send time in each payload; the listener records arrival minus that. */
    @SuppressWarnings("unchecked")
    private static double[] latency(ConfigurableApplicationContext context, String topic, int rate, int seconds) throws Exception {
        PulsarTemplate<byte[]> template = context.getBean(PulsarTemplate.class);
        PulsarListenerEndpointRegistry registry = context.getBean(PulsarListenerEndpointRegistry.class);
        registry.getListenerContainer("warm").start();
        paced(template, topic + "-warm", rate, rate * 10);
        long warmDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (WARM.sum() < rate * 10L && System.nanoTime() < warmDeadline) {
            LockSupport.parkNanos(1_000_000);
        }
        registry.getListenerContainer("warm").stop();
        int n = rate * seconds;
        latencies = new long[n];
        registry.getListenerContainer("bench").start();
        template.send(topic, new byte[8]);   // the measured topic's producer is made before the schedule starts
        paced(template, topic, rate, n);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (RECEIVED.sum() < n && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        if (RECEIVED.sum() < n) {
            throw new IllegalStateException("received " + RECEIVED.sum() + " of " + n);
        }
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (long micros : latencies) {
            h.recordValue(Math.max(0, Math.min(micros, h.getHighestTrackableValue())));
        }
        return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0};
    }

    private static void paced(PulsarTemplate<byte[]> template, String topic, int rate, int n) throws Exception {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            byte[] payload = new byte[100];
            java.nio.ByteBuffer.wrap(payload).putLong(due);
            template.sendAsync(topic, payload);
        }
    }

}
