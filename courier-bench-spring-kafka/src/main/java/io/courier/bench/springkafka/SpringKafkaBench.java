package io.courier.bench.springkafka;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Spring for Apache Kafka doing what courier-bench's {@code KafkaBench} asks of Courier and of the raw client, the way
 * its documentation shows: {@code KafkaTemplate} to publish, {@code @KafkaListener} to consume, Spring Boot's defaults
 * otherwise (only the byte-array (de)serializers and the earliest offset are set, as the workload needs). One workload
 * per process; prints {@code RESULT <msg/s>}.
 *
 * <p>Arguments: {@code publish|consume <bootstrap servers> <topic> <messages> <warm-up messages> [defaults|matched]}.
 * For consume, the caller fills {@code <topic>} with the messages and {@code <topic>-warm} with the warm-up messages
 * beforehand; the clock starts at the first measured message. With {@code matched}, the settings of the Courier run
 * replace Boot's: 64 KiB producer batches (Boot's 16 KiB), linger 5 ms, {@code acks=all} and idempotence (as Boot's
 * client defaults), the consumer group protocol ({@code group.protocol=consumer}; Boot's client uses the classic one)
 * and offsets committed every 100 ms ({@code AckMode.TIME}; Boot's default commits after every poll).
 */
@SpringBootApplication
public class SpringKafkaBench {
    static final LongAdder RECEIVED = new LongAdder();
    static final LongAdder WARM = new LongAdder();
    static final AtomicLong FIRST_MESSAGE_NANOS = new AtomicLong();

    /** Started by hand so that the clock leaves out Spring's own start-up; the first warms the code up. */
    @Component
    static class Listeners {
        @KafkaListener(id = "warm", topics = "${bench.topic}-warm", groupId = "bench-warm", autoStartup = "false")
        void onWarmUp(byte[] payload) {
            WARM.increment();
        }

        @KafkaListener(id = "bench", topics = "${bench.topic}", groupId = "bench", autoStartup = "false")
        void onMessage(byte[] payload) {
            FIRST_MESSAGE_NANOS.compareAndSet(0, System.nanoTime());
            RECEIVED.increment();
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String servers = args[1];
        String topic = args[2];
        int n = Integer.parseInt(args[3]);
        int warmUp = Integer.parseInt(args[4]);
        boolean matched = args.length > 5 && args[5].equals("matched");
        java.util.List<String> properties = new java.util.ArrayList<>(java.util.List.of(
                "spring.kafka.bootstrap-servers=" + servers, "bench.topic=" + topic,
                "spring.kafka.producer.value-serializer=org.apache.kafka.common.serialization.ByteArraySerializer",
                "spring.kafka.consumer.value-deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "spring.kafka.consumer.auto-offset-reset=earliest", "spring.main.banner-mode=off"));
        if (matched) {
            properties.addAll(java.util.List.of("spring.kafka.producer.batch-size=64KB",
                    "spring.kafka.producer.properties.linger.ms=5", "spring.kafka.producer.acks=all",
                    "spring.kafka.producer.properties.enable.idempotence=true",
                    "spring.kafka.consumer.properties.group.protocol=consumer",
                    "spring.kafka.listener.ack-mode=time", "spring.kafka.listener.ack-time=100ms"));
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SpringKafkaBench.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .properties(properties.toArray(String[]::new))
                .run()) {
            double rate = mode.equals("publish") ? publish(context, topic, n, warmUp) : consume(context, n, warmUp);
            System.out.println("RESULT " + rate);
        }
    }

    @SuppressWarnings("unchecked")
    private static double publish(ConfigurableApplicationContext context, String topic, int n, int warmUp) throws Exception {
        KafkaTemplate<Object, byte[]> template = context.getBean(KafkaTemplate.class);
        byte[] payload = new byte[100];
        sendAll(template, topic + "-warm", payload, warmUp);
        template.send(topic, payload).get(1, TimeUnit.MINUTES);   // metadata ready before the clock, as for the others
        long start = System.nanoTime();
        sendAll(template, topic, payload, n);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static void sendAll(KafkaTemplate<Object, byte[]> template, String topic, byte[] payload, int n)
            throws Exception {
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < n; i++) {
            template.send(topic, payload).whenComplete((r, e) -> {
                if (e != null) {
                    failure.set(e);
                }
                done.countDown();
            });
        }
        if (!done.await(5, TimeUnit.MINUTES) || failure.get() != null) {
            throw new IllegalStateException("Spring publish failed or timed out", failure.get());
        }
    }

    private static double consume(ConfigurableApplicationContext context, int n, int warmUp) {
        KafkaListenerEndpointRegistry registry = context.getBean(KafkaListenerEndpointRegistry.class);
        registry.getListenerContainer("warm").start();
        long warmDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (WARM.sum() < warmUp && System.nanoTime() < warmDeadline) {
            LockSupport.parkNanos(200_000);
        }
        registry.getListenerContainer("warm").stop();
        registry.getListenerContainer("bench").start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (RECEIVED.sum() < n && System.nanoTime() < deadline) {
            LockSupport.parkNanos(200_000);
        }
        if (RECEIVED.sum() < n) {
            throw new IllegalStateException("received " + RECEIVED.sum() + " of " + n);
        }
        return n / ((System.nanoTime() - FIRST_MESSAGE_NANOS.get()) / 1e9);
    }
}
