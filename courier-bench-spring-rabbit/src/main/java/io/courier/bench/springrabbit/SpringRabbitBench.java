package io.courier.bench.springrabbit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Spring AMQP doing what courier-bench's {@code RabbitBench} asks of Courier and of the raw client, the way its
 * documentation shows: {@code RabbitTemplate} with correlated publisher confirms to publish, {@code @RabbitListener}
 * to consume, Spring Boot's defaults otherwise (Boot's default prefetch is 250, acknowledgement automatic after the
 * listener returns). One workload per process; prints {@code RESULT <msg/s>}.
 *
 * <p>Arguments: {@code publish|consume <host:port> <topic> <messages> <warm-up messages> [defaults|matched]}. The
 * topic is a fanout exchange with the queue {@code <topic>::bench} bound to it, made by the caller; for consume the
 * caller fills that queue, and {@code <topic>-warm::bench} with the warm-up messages. With {@code matched} the
 * listener's prefetch is 1,000, as Courier's {@code maxInFlight} and the raw consumer's.
 */
@SpringBootApplication
public class SpringRabbitBench {
    static final LongAdder RECEIVED = new LongAdder();
    static final LongAdder WARM = new LongAdder();
    static final AtomicLong FIRST_MESSAGE_NANOS = new AtomicLong();

    /** Started by hand so that the clock leaves out Spring's own start-up; the first warms the code up. */
    @Component
    static class Listeners {
        @RabbitListener(id = "warm", queues = "${bench.topic}-warm::bench", autoStartup = "false")
        void onWarmUp(byte[] payload) {
            WARM.increment();
        }

        @RabbitListener(id = "bench", queues = "${bench.topic}::bench", autoStartup = "false")
        void onMessage(byte[] payload) {
            FIRST_MESSAGE_NANOS.compareAndSet(0, System.nanoTime());
            RECEIVED.increment();
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String[] hostPort = args[1].split(":");
        String topic = args[2];
        int n = Integer.parseInt(args[3]);
        int warmUp = Integer.parseInt(args[4]);
        boolean matched = args.length > 5 && args[5].equals("matched");
        List<String> properties = new ArrayList<>(List.of("spring.rabbitmq.host=" + hostPort[0],
                "spring.rabbitmq.port=" + hostPort[1], "bench.topic=" + topic, "spring.main.banner-mode=off",
                // confirms are the workload (a publish counts once the broker has it), not a tuning
                "spring.rabbitmq.publisher-confirm-type=correlated"));
        if (matched) {
            properties.add("spring.rabbitmq.listener.simple.prefetch=1000");
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SpringRabbitBench.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .properties(properties.toArray(String[]::new))
                .run()) {
            double rate = mode.equals("publish") ? publish(context, topic, n, warmUp) : consume(context, n, warmUp);
            System.out.println("RESULT " + rate);
        }
    }

    private static double publish(ConfigurableApplicationContext context, String topic, int n, int warmUp)
            throws Exception {
        RabbitTemplate template = context.getBean(RabbitTemplate.class);
        byte[] payload = new byte[100];
        sendAll(template, topic, payload, warmUp);
        long start = System.nanoTime();
        sendAll(template, topic, payload, n);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static void sendAll(RabbitTemplate template, String exchange, byte[] payload, int n) throws Exception {
        List<CompletableFuture<CorrelationData.Confirm>> confirms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            CorrelationData correlation = new CorrelationData();
            template.convertAndSend(exchange, "", payload, correlation);
            confirms.add(correlation.getFuture());
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        for (CompletableFuture<CorrelationData.Confirm> c : confirms) {
            if (!c.get().ack()) {
                throw new IllegalStateException("RabbitMQ refused a publish: " + c.get().reason());
            }
        }
    }

    private static double consume(ConfigurableApplicationContext context, int n, int warmUp) {
        RabbitListenerEndpointRegistry registry = context.getBean(RabbitListenerEndpointRegistry.class);
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
