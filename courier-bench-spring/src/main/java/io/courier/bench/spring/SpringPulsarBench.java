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
 * <p>Arguments: {@code publish|consume <serviceUrl> <topic> <messages> <warm-up messages>}. For consume, the caller
 * fills {@code <topic>} with the messages and {@code <topic>-warm} with the warm-up messages beforehand.
 */
@SpringBootApplication
public class SpringPulsarBench {
    static final LongAdder RECEIVED = new LongAdder();
    static final LongAdder WARM = new LongAdder();

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
            RECEIVED.increment();
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String serviceUrl = args[1];
        String topic = args[2];
        int n = Integer.parseInt(args[3]);
        int warmUp = Integer.parseInt(args[4]);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SpringPulsarBench.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .properties("spring.pulsar.client.service-url=" + serviceUrl, "bench.topic=" + topic,
                        "spring.pulsar.consumer.subscription.initial-position=earliest", "spring.main.banner-mode=off")
                .run()) {
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
        long start = System.nanoTime();
        registry.getListenerContainer("bench").start();
        long deadline = start + TimeUnit.MINUTES.toNanos(5);
        while (RECEIVED.sum() < n + 1 && System.nanoTime() < deadline) {   // n + the warm-up message
            LockSupport.parkNanos(200_000);
        }
        if (RECEIVED.sum() < n + 1) {
            throw new IllegalStateException("received " + RECEIVED.sum() + " of " + (n + 1));
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
