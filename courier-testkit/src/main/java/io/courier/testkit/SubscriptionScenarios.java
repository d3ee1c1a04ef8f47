package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Capability;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Conformance group B. Subscriptions: the four types, several subscriptions on a topic, initial positions,
 * retention. Part of {@link BrokerConformanceSuite}; described in {@code docs/CONFORMANCE.md}.
 */
public abstract class SubscriptionScenarios extends ConformanceContext {

    @Test
    @DisplayName("B7 exclusive: a second subscriber on the same subscription is refused with a clear error")
    void b07_exclusiveRefusesSecond() {
        String topic = topic("t");
        String sub = subscriptionName("b7");
        subscribe(options(topic, sub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { });
        assertThatThrownBy(() -> subscribe(options(topic, sub).type(SubscriptionType.EXCLUSIVE).build(), String.class, m -> { }))
                .isInstanceOf(SubscriptionBusyException.class)
                .hasMessageContaining(sub);
    }

    @Test
    @DisplayName("B8 shared: 2 subscribers split 1,000 messages, none to both, none lost")
    void b08_sharedSplits() {
        requireType(SubscriptionType.SHARED);
        String topic = topic("t");
        String sub = subscriptionName("b8");
        Recorder<String> a = new Recorder<>();
        Recorder<String> b = new Recorder<>();
        subscribe(options(topic, sub).type(SubscriptionType.SHARED).maxInFlight(50).build(), String.class, a);
        subscribe(options(topic, sub).type(SubscriptionType.SHARED).maxInFlight(50).build(), String.class, b);
        Set<MessageId> sent = new HashSet<>(publishTextsOneByOne(topic, scaled(1000), "m"));
        Await.until(WAIT, () -> union(a.ids(), b.ids()).containsAll(sent), () -> "received " + (a.count() + b.count()));
        assertThat(union(a.ids(), b.ids())).isEqualTo(sent);
        assertThat(intersection(a.ids(), b.ids())).isEmpty();
        assertThat(a.count()).isPositive();
        assertThat(b.count()).isPositive();
        assertThat(a.duplicates() + b.duplicates()).isZero();
    }

    @Test
    @DisplayName("B9 failover: one active subscriber gets everything; when it closes the standby continues, no loss")
    void b09_failover() {
        requireType(SubscriptionType.FAILOVER);
        String topic = topic("t");
        String sub = subscriptionName("b9");
        Recorder<String> a = new Recorder<>();
        Recorder<String> b = new Recorder<>();
        Subscription sa = subscribe(options(topic, sub).type(SubscriptionType.FAILOVER).build(), String.class, a);
        Subscription sb = subscribe(options(topic, sub).type(SubscriptionType.FAILOVER).build(), String.class, b);
        Set<MessageId> first = new HashSet<>(publishTexts(topic, 100, "first-"));
        Await.until(WAIT, () -> union(a.ids(), b.ids()).containsAll(first), () -> "received " + (a.count() + b.count()));
        boolean aActive = a.count() > 0;
        Recorder<String> active = aActive ? a : b;
        Recorder<String> standby = aActive ? b : a;
        assertThat(active.ids()).isEqualTo(first);
        assertThat(standby.count()).isZero();

        (aActive ? sa : sb).close(Duration.ofSeconds(10));
        Set<MessageId> second = new HashSet<>(publishTexts(topic, 100, "second-"));
        standby.awaitIds(second, WAIT);
        assertThat(union(active.ids(), standby.ids())).isEqualTo(union(first, second));
    }

    @Test
    @DisplayName("B10 key-shared: 20 keys x 50 messages over 2 subscribers (4 partitions where the backend has them); each key to one subscriber, in order")
    void b10_keyShared() {
        requireType(SubscriptionType.KEY_SHARED);
        String topic = topic("t");
        String sub = subscriptionName("b10");
        if (capabilities().supports(Capability.PARTITIONS)) {
            // keys spread over partitions as well as over consumers: on Kafka, partitions are what KEY_SHARED shares
            broker.admin().ensureTopic(topic, 4);
        }
        Recorder<String> a = new Recorder<>();
        Recorder<String> b = new Recorder<>();
        subscribe(options(topic, sub).type(SubscriptionType.KEY_SHARED).build(), String.class, a);
        subscribe(options(topic, sub).type(SubscriptionType.KEY_SHARED).build(), String.class, b);
        int keys = 20;
        int perKey = 50;
        Set<MessageId> sent = new HashSet<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                sent.add(broker.publish(Envelope.builder(topic, "k" + k + ":" + i).key("k" + k).codec("text").build()));
            }
        }
        Await.until(WAIT, () -> union(a.ids(), b.ids()).containsAll(sent), () -> "received " + (a.count() + b.count()));
        Set<String> keysA = keysOf(a);
        Set<String> keysB = keysOf(b);
        assertThat(intersection(keysA, keysB)).as("keys seen by both subscribers").isEmpty();
        // 20 keys over two hash ranges: both subscribers get keys (all in one range has odds of 1 in 2^19)
        assertThat(keysA).as("keys of the first subscriber").isNotEmpty();
        assertThat(keysB).as("keys of the second subscriber").isNotEmpty();
        assertThat(union(keysA, keysB)).hasSize(keys);
        assertPerKeyOrder(a.messages());
        assertPerKeyOrder(b.messages());
    }

    @Test
    @DisplayName("B11 two subscriptions on one topic each get every message; competing subscribers within one share")
    void b11_fanOutAndCompete() {
        String topic = topic("t");
        String s1 = subscriptionName("b11a");
        String s2 = subscriptionName("b11b");
        Recorder<String> one = new Recorder<>();
        Recorder<String> twoA = new Recorder<>();
        Recorder<String> twoB = new Recorder<>();
        subscribe(options(topic, s1).build(), String.class, one);
        subscribe(options(topic, s2).type(competingType()).maxInFlight(10).build(), String.class, twoA);
        subscribe(options(topic, s2).type(competingType()).maxInFlight(10).build(), String.class, twoB);
        Set<MessageId> sent = new HashSet<>(publishTexts(topic, 200, "m"));
        one.awaitIds(sent, WAIT);
        Await.until(WAIT, () -> union(twoA.ids(), twoB.ids()).containsAll(sent), () -> "second subscription incomplete");
        assertThat(one.ids()).isEqualTo(sent);
        assertThat(union(twoA.ids(), twoB.ids())).isEqualTo(sent);
        assertThat(intersection(twoA.ids(), twoB.ids())).isEmpty();
    }

    @Test
    @DisplayName("B12 a new subscription with EARLIEST reads retained history; with LATEST it does not")
    void b12_initialPosition() {
        requireCapability(Capability.RETENTION);
        String topic = topic("t");
        createSubscription(topic, subscriptionName("holder"), SubscriptionType.EXCLUSIVE);
        Set<MessageId> history = new HashSet<>(publishTexts(topic, 50, "old-"));
        Recorder<String> early = new Recorder<>();
        Recorder<String> late = new Recorder<>();
        subscribe(SubscribeOptions.builder(topic, subscriptionName("early")).initialPosition(InitialPosition.EARLIEST).build(), String.class, early);
        subscribe(SubscribeOptions.builder(topic, subscriptionName("late")).initialPosition(InitialPosition.LATEST).build(), String.class, late);
        early.awaitIds(history, WAIT);
        MessageId marker = broker.publish(Envelope.builder(topic, "marker").codec("text").build());
        late.awaitIds(Set.of(marker), WAIT);
        early.awaitIds(Set.of(marker), WAIT);
        assertThat(early.ids()).isEqualTo(union(history, Set.of(marker)));
        assertThat(late.ids()).containsExactly(marker);
    }
}
