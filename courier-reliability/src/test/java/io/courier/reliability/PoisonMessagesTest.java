package io.courier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.NonRetryableException;
import io.courier.Ordering;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.SubscriptionType;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 4: 1% of a 100,000-message stream is bad in four ways, a quarter each: bytes that are not JSON (sent by a
 * foreign producer with a JSON content type), JSON of the wrong shape, orders the handler rejects with
 * {@link NonRetryableException}, and orders on which the handler keeps throwing. Exactly those reach the dead-letter
 * topic, each with its reason; every other message is handled exactly once; the subscription never stalls.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class PoisonMessagesTest {
    private static final int MESSAGES = 100_000;
    private static final int ATTEMPTS = 3;

    /** What the stream carries; {@code fate} tells the handler what to do with a well-formed order. */
    public record Order(String id, int amount, String fate) {
    }

    private enum Kind { OK, GARBAGE, WRONG_SHAPE, REJECTED, FAILING }

    private static Kind kindOf(int i) {
        if (i % 100 != 7) {
            return Kind.OK;
        }
        return switch ((i / 100) % 4) {
            case 0 -> Kind.GARBAGE;
            case 1 -> Kind.WRONG_SHAPE;
            case 2 -> Kind.REJECTED;
            default -> Kind.FAILING;
        };
    }

    @Test
    void exactlyThePoisonReachesTheDeadLetterTopicAndEverythingElseIsHandledOnce(EmbeddedPulsar pulsar) throws Exception {
        String topic = "poison-" + System.nanoTime();
        String subscription = "orders";
        String deadLetterTopic = topic + "-" + subscription + "-DLQ";
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        Map<String, Message<byte[]>> deadLettered = new ConcurrentHashMap<>();
        AtomicInteger deadLetterDeliveries = new AtomicInteger();
        try (Broker broker = Brokers.open(pulsar.serviceUrl(),
                BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
             PulsarClient foreign = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build()) {
            Subscription dlq = broker.subscribe(SubscribeOptions.builder(deadLetterTopic, "audit")
                    .initialPosition(InitialPosition.EARLIEST).build(), byte[].class, m -> {
                        deadLetterDeliveries.incrementAndGet();
                        deadLettered.put(m.key().orElseThrow(), m);
                    });
            Subscription orders = broker.subscribe(SubscribeOptions.builder(topic, subscription)
                    .type(SubscriptionType.SHARED).initialPosition(InitialPosition.EARLIEST)
                    .ordering(Ordering.UNORDERED).concurrency(8)
                    .retry(RetryPolicy.builder().maxAttempts(ATTEMPTS).initialBackoff(Duration.ofMillis(10)).build())
                    .build(), Order.class, m -> {
                        Order order = m.payload();
                        attempts.computeIfAbsent(order.id(), k -> new AtomicInteger()).incrementAndGet();
                        switch (order.fate()) {
                            case "reject" -> throw new NonRetryableException("order " + order.id() + " is invalid");
                            case "fail" -> throw new IllegalStateException("inventory unavailable for " + order.id());
                            default -> handled.computeIfAbsent(order.id(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    });

            Map<String, Kind> expected = new HashMap<>();
            long begin = System.nanoTime();
            try (Producer<byte[]> raw = foreign.newProducer(Schema.BYTES).topic(topic).create()) {
                List<CompletableFuture<?>> sent = new ArrayList<>();
                Random random = new Random(42);
                for (int i = 0; i < MESSAGES; i++) {
                    String id = "o-" + i;
                    Kind kind = kindOf(i);
                    expected.put(id, kind);
                    switch (kind) {
                        case GARBAGE -> {
                            byte[] garbage = new byte[1 + random.nextInt(200)];
                            random.nextBytes(garbage);
                            garbage[0] = '{'; // looks like JSON for one byte
                            sent.add(raw.newMessage().key(id).value(garbage)
                                    .property(Headers.CONTENT_TYPE, "application/json").sendAsync());
                        }
                        case WRONG_SHAPE -> sent.add(broker.publishAsync(Envelope.builder(topic,
                                Map.of("id", id, "amount", "a lot", "fate", "ok")).key(id).codec("json").build()));
                        default -> sent.add(broker.publishAsync(Envelope.builder(topic, new Order(id, i,
                                kind == Kind.REJECTED ? "reject" : kind == Kind.FAILING ? "fail" : "ok")).key(id).codec("json").build()));
                    }
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
            }
            long okCount = expected.values().stream().filter(k -> k == Kind.OK).count();
            Await.until(Duration.ofMinutes(3), () -> handled.size() == okCount && deadLettered.size() == MESSAGES - okCount,
                    () -> "handled " + handled.size() + " of " + okCount + ", dead-lettered " + deadLettered.size()
                            + ", health " + orders.health());
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            // every original acknowledged, the dead-lettered ones included: nothing waits to be delivered again
            Await.until(Duration.ofSeconds(30), () -> broker.admin().backlog(topic, subscription) == 0,
                    () -> "backlog " + broker.admin().backlog(topic, subscription));
            SubscriptionHealth health = orders.health();
            orders.close(Duration.ofSeconds(10));
            dlq.close(Duration.ofSeconds(10));

            Map<Kind, Integer> byKind = new HashMap<>();
            for (Map.Entry<String, Message<byte[]>> e : deadLettered.entrySet()) {
                Kind kind = expected.get(e.getKey());
                byKind.merge(kind, 1, Integer::sum);
                Headers h = e.getValue().headers();
                String reason = h.get(DeadLetter.REASON);
                assertThat(reason).as("reason of %s (%s)", e.getKey(), kind).isEqualTo(switch (kind) {
                    case GARBAGE, WRONG_SHAPE -> DeadLetter.REASON_DECODE;
                    case REJECTED -> DeadLetter.REASON_NON_RETRYABLE;
                    case FAILING -> DeadLetter.REASON_HANDLER;
                    case OK -> "none: an OK message was dead-lettered";
                });
                assertThat(h.get(DeadLetter.ATTEMPTS)).as("attempts of %s (%s)", e.getKey(), kind).isEqualTo(switch (kind) {
                    case GARBAGE, WRONG_SHAPE -> "0";
                    case REJECTED -> "1";
                    default -> Integer.toString(ATTEMPTS);
                });
                assertThat(h.get(DeadLetter.ORIGINAL_TOPIC)).endsWith(topic);
                assertThat(h.get(DeadLetter.SUBSCRIPTION)).isEqualTo(subscription);
                assertThat(h.get(DeadLetter.EXCEPTION_CLASS)).isNotBlank();
            }
            int handledTwice = (int) handled.values().stream().filter(n -> n.get() != 1).count();
            assertThat(byKind).containsExactlyInAnyOrderEntriesOf(Map.of(Kind.GARBAGE, 250, Kind.WRONG_SHAPE, 250,
                    Kind.REJECTED, 250, Kind.FAILING, 250));
            assertThat(deadLetterDeliveries.get()).isEqualTo(MESSAGES - okCount);
            assertThat(handledTwice).isZero();
            assertThat(handled.keySet()).allMatch(id -> expected.get(id) == Kind.OK);
            attempts.forEach((id, n) -> assertThat(n.get()).as("handler attempts for %s", id)
                    .isEqualTo(expected.get(id) == Kind.FAILING ? ATTEMPTS : 1));
            assertThat(health.deadLettered()).isEqualTo(MESSAGES - okCount);
            assertThat(health.state()).isEqualTo(SubscriptionState.RUNNING);
            Report.line("poison", "%d messages, %d bad (%s); dead-lettered %d with the right reason, %d delivered to the "
                    + "DLQ reader; %d handled, %d more than once; %d ms for all; health %s; backlog 0 (every original acknowledged)",
                    MESSAGES, MESSAGES - okCount, byKind, deadLettered.size(), deadLetterDeliveries.get(), handled.size(),
                    handledTwice, elapsedMs, health);
        }
    }
}
