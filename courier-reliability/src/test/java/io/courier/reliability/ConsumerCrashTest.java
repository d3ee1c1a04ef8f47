package io.courier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import io.courier.embedded.ChildJvm;
import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import io.courier.testkit.Await;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 2: a subscriber process is SIGKILLed with messages in flight; a replacement on the same subscription gets
 * every message the dead one had not finished.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class ConsumerCrashTest {
    private static final int MESSAGES = 1_000;
    private static final int HANDLE_FIRST = 300;
    private static final int CONCURRENCY = 50;

    @Test
    void aReplacementGetsEveryMessageTheKilledSubscriberHadNotFinished(EmbeddedPulsar pulsar) throws Exception {
        String topic = "crash-" + System.nanoTime();
        String subscription = "workers";
        Set<String> all = new HashSet<>();
        Set<String> handledByChild = ConcurrentHashMap.newKeySet();
        Set<String> heldByChild = ConcurrentHashMap.newKeySet();
        Set<String> ready = ConcurrentHashMap.newKeySet();
        try (Broker broker = Brokers.open(pulsar.serviceUrl(),
                     BrokerOptions.builder().property("adminUrl", pulsar.httpUrl()).build());
             ChildJvm child = ChildJvm.startWithLines(SubscriberProcess.class, List.of("-Xmx256m"),
                     List.of("url=" + pulsar.serviceUrl(), "topic=" + topic, "subscription=" + subscription, "mode=hold",
                             "concurrency=" + CONCURRENCY, "handleFirst=" + HANDLE_FIRST),
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
            assertThat(child.isAlive()).as("child subscriber is running: %s", child.tail(40)).isTrue();
            all.addAll(Keyed.publish(broker, topic, MESSAGES, 100));
            Await.until(Duration.ofSeconds(60), () -> handledByChild.size() >= HANDLE_FIRST && heldByChild.size() >= CONCURRENCY,
                    () -> "child handled " + handledByChild.size() + ", holds " + heldByChild.size() + "\n" + child.tail(40));

            // kill once the broker holds the child's acks (they travel grouped, every 100 ms), so the check below
            // can be exact: everything acked stays done, everything else comes back
            Await.until(Duration.ofSeconds(10), () -> broker.admin().backlog(topic, subscription) == MESSAGES - handledByChild.size(),
                    () -> "backlog " + broker.admin().backlog(topic, subscription) + ", child handled " + handledByChild.size());
            long killedAt = System.nanoTime();
            child.kill();
            Set<String> handledBeforeKill = Set.copyOf(handledByChild);
            Set<String> unfinished = new HashSet<>(all);
            unfinished.removeAll(handledBeforeKill);

            ConcurrentHashMap<String, Integer> replacementGot = new ConcurrentHashMap<>();
            Subscription replacement = broker.subscribe(SubscribeOptions.builder(topic, subscription)
                    .type(SubscriptionType.SHARED).initialPosition(InitialPosition.EARLIEST)
                    .ordering(Ordering.UNORDERED).concurrency(8).build(), byte[].class,
                    m -> replacementGot.merge(m.key().orElseThrow(), 1, Integer::sum));
            Await.until(Duration.ofSeconds(60), () -> replacementGot.keySet().containsAll(unfinished),
                    () -> "replacement has " + replacementGot.size() + " of the " + unfinished.size() + " unfinished");
            long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            replacement.close(Duration.ofSeconds(10));

            Set<String> union = new HashSet<>(handledBeforeKill);
            union.addAll(replacementGot.keySet());
            long handledAgain = replacementGot.keySet().stream().filter(handledBeforeKill::contains).count();
            long duplicates = handledAgain + replacementGot.values().stream().mapToInt(n -> n - 1).sum();
            long lost = all.stream().filter(k -> !union.contains(k)).count();
            assertThat(union).isEqualTo(all);
            // batch-index acks: of a partly acked batch only the unacked messages come back
            assertThat(replacementGot.keySet()).isEqualTo(unfinished);
            assertThat(duplicates).isZero();
            // printed after the checks, with the measured values
            Report.line("consumer-crash", "%d messages; child handled and acked %d, held %d in handlers and the rest in its "
                    + "receive queue when SIGKILLed; the replacement got all %d unfinished within %d ms of the kill; lost %d, "
                    + "duplicated %d", MESSAGES, handledBeforeKill.size(), heldByChild.size(), unfinished.size(), recoveredMs,
                    lost, duplicates);
        }
    }
}
