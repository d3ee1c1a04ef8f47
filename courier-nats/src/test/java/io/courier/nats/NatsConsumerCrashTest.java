package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.embedded.ChildJvm;
import io.courier.nats.embedded.EmbeddedNats;
import io.courier.nats.embedded.EmbeddedNatsExtension;
import io.courier.testkit.Await;
import io.courier.testkit.CrashingSubscriber;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A subscriber process is SIGKILLed with messages in its handlers and a pulled batch waiting: a replacement on the
 * same subscription gets exactly the messages the dead one had not acknowledged, none it had, each once, once the
 * server's ack wait (3 s here) has passed for them.
 */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsConsumerCrashTest {
    private static final int MESSAGES = 1_000;
    private static final int HANDLE_FIRST = 300;
    private static final int CONCURRENCY = 50;

    @Test
    void aReplacementGetsExactlyTheMessagesTheKilledSubscriberHadNotAcknowledged(EmbeddedNats nats) throws Exception {
        String topic = "crash-" + System.nanoTime();
        String subscription = "workers";
        Set<String> handledByChild = ConcurrentHashMap.newKeySet();
        Set<String> heldByChild = ConcurrentHashMap.newKeySet();
        Set<String> ready = ConcurrentHashMap.newKeySet();
        String url = nats.url() + "?ackWaitMs=3000";
        try (Broker broker = Brokers.open(url);
             ChildJvm child = ChildJvm.startWithLines(CrashingSubscriber.class, List.of("-Xmx128m"),
                     List.of(url, topic, subscription, Integer.toString(CONCURRENCY), Integer.toString(HANDLE_FIRST)),
                     line -> {
                         if (line.startsWith("HANDLED ")) {
                             handledByChild.add(line.substring(8));
                         } else if (line.startsWith("HELD ")) {
                             heldByChild.add(line.substring(5));
                         } else if (line.equals("READY")) {
                             ready.add(line);
                         }
                     })) {
            Await.until(Duration.ofSeconds(60), () -> !ready.isEmpty() || !child.isAlive(), () -> "child not ready:\n" + child.tail(40));
            Set<String> all = new HashSet<>();
            for (int i = 0; i < MESSAGES; i++) {
                String key = "k-" + i;
                broker.publish(Envelope.builder(topic, key).codec("text").key(key).build());
                all.add(key);
            }
            Await.until(Duration.ofSeconds(60), () -> handledByChild.size() >= HANDLE_FIRST && heldByChild.size() >= CONCURRENCY,
                    () -> "child handled " + handledByChild.size() + ", holds " + heldByChild.size() + "\n" + child.tail(40));
            // the child's acknowledgements have all reached the server once the backlog is everything it did not handle
            int expectedReady = MESSAGES - HANDLE_FIRST;
            Await.until(Duration.ofSeconds(10), () -> broker.admin().backlog(topic, subscription) == expectedReady,
                    () -> "backlog " + broker.admin().backlog(topic, subscription) + ", expected " + expectedReady);
            long killedAt = System.nanoTime();
            child.kill();
            Set<String> unfinished = new HashSet<>(all);
            unfinished.removeAll(handledByChild);

            ConcurrentHashMap<String, Integer> replacementGot = new ConcurrentHashMap<>();
            Subscription replacement = broker.subscribe(SubscribeOptions.builder(topic, subscription)
                    .type(SubscriptionType.SHARED).ordering(Ordering.UNORDERED).concurrency(8).build(), byte[].class,
                    m -> replacementGot.merge(m.key().orElseThrow(), 1, Integer::sum));
            Await.until(Duration.ofSeconds(60), () -> replacementGot.keySet().containsAll(unfinished),
                    () -> "replacement has " + replacementGot.size() + " of the " + unfinished.size() + " unfinished");
            long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            Await.until(Duration.ofSeconds(10), () -> broker.admin().backlog(topic, subscription) == 0,
                    () -> "backlog " + broker.admin().backlog(topic, subscription));
            replacement.close(Duration.ofSeconds(10));

            assertThat(replacementGot.keySet()).isEqualTo(unfinished);
            assertThat(replacementGot.values()).allMatch(n -> n == 1);
            assertThat(handledByChild).hasSize(HANDLE_FIRST);
            System.out.printf("[nats] consumer crash: %d messages; the child acknowledged %d and held %d when "
                    + "SIGKILLed; the replacement got exactly the %d unacknowledged, each once, within %d ms of the kill%n",
                    MESSAGES, handledByChild.size(), heldByChild.size(), unfinished.size(), recoveredMs);
        }
    }
}
