package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.courier.BacklogQuotaExceededException;
import io.courier.Broker;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.Envelope;
import io.courier.FailureEvent;
import io.courier.FailureListener;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.MessageId;
import io.courier.RetryPolicy;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * What every conformance scenario shares: a fresh broker per test (from {@link #openBroker()}), unique topic and
 * subscription names, subscriptions and brokers closed after each test, the backend's {@link Capabilities} and the
 * helpers the scenarios use (publishing, waiting with a deadline, the acknowledgement checks). The scenario groups
 * ({@code DeliveryScenarios} ... {@code FlowControlScenarios}) extend it; a backend runs them all through
 * {@link BrokerConformanceSuite}, or one group, or single scenarios, from its own tests by extending a group.
 * Run with {@code -Dcourier.short=true} for smaller counts on a laptop; CI runs full sizes.
 */
public abstract class ConformanceContext {
    /** Generous deadline for deliveries; a correct backend finishes far sooner. */
    protected static final Duration WAIT = Duration.ofSeconds(60);

    private static final boolean SHORT = Boolean.getBoolean("courier.short");

    protected Broker broker;

    protected final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    protected String testName;

    /** Opens a new broker client; called before each test (and again where a test needs a second client). */
    protected abstract Broker openBroker();

    /** What this backend offers: the broker's own {@link Broker#capabilities()}, the suite's only source. */
    protected final Capabilities capabilities() {
        return broker.capabilities();
    }

    /** Skips the running scenario, printing why, when the backend lacks {@code capability}. */
    protected final void requireCapability(Capability capability) {
        String instead = capabilities().missing().get(capability);
        if (instead != null) {
            System.out.println("[conformance] " + testName + " skipped: " + capabilities().backend() + " has no "
                    + capability + " (" + instead + ")");
        }
        assumeTrue(instead == null, () -> capabilities().backend() + " has no " + capability + ": " + instead);
    }

    /**
     * The type for scenarios that need several consumers sharing one subscription but not a particular split:
     * SHARED where the backend has it, else KEY_SHARED, else FAILOVER.
     */
    protected final SubscriptionType competingType() {
        for (SubscriptionType t : List.of(SubscriptionType.SHARED, SubscriptionType.KEY_SHARED, SubscriptionType.FAILOVER)) {
            if (capabilities().supports(t)) {
                return t;
            }
        }
        return SubscriptionType.EXCLUSIVE;
    }

    /** Skips the running scenario, printing why, when the backend has no subscriptions of {@code type}. */
    protected final void requireType(SubscriptionType type) {
        boolean present = capabilities().supports(type);
        if (!present) {
            System.out.println("[conformance] " + testName + " skipped: " + capabilities().backend() + " has no "
                    + type + " subscriptions (it maps " + capabilities().subscriptionTypes() + ")");
        }
        assumeTrue(present, () -> capabilities().backend() + " has no " + type + " subscriptions");
    }

    @BeforeEach
    protected void openForTest(TestInfo info) {
        testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
        broker = openBroker();
        toClose.add(broker);
    }

    @AfterEach
    protected void closeAfterTest() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(toClose);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            if (c instanceof Subscription s) {
                s.close(Duration.ofSeconds(5));
            } else {
                c.close();
            }
        }
        toClose.clear();
    }

    /** Full size, or a tenth of it (at least 1) in short mode. */
    protected static int scaled(int full) {
        return SHORT ? Math.max(1, full / 10) : full;
    }

    /** A topic name unique to this test run. */
    protected String topic(String suffix) {
        return "conf-" + testName + "-" + suffix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected String subscriptionName(String suffix) {
        return "sub-" + suffix + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    protected <T> Subscription subscribe(SubscribeOptions options, Class<T> type, io.courier.Handler<T> handler) {
        Subscription s = broker.subscribe(options, type, handler);
        toClose.add(s);
        return s;
    }

    protected static SubscribeOptions.Builder options(String topic, String subscription) {
        return SubscribeOptions.builder(topic, subscription).initialPosition(InitialPosition.EARLIEST)
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(50)).build());
    }

    /** Makes the durable subscription exist (so the broker retains what is published next), then leaves it. */
    protected void createSubscription(String topic, String subscription, SubscriptionType type) {
        broker.subscribe(options(topic, subscription).type(type).build(), byte[].class, m -> { }).close(Duration.ofSeconds(5));
    }

    protected List<MessageId> publishTexts(String topic, int count, String prefix) {
        List<CompletableFuture<MessageId>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(broker.publishAsync(Envelope.builder(topic, prefix + i).codec("text").build()));
        }
        List<MessageId> ids = new ArrayList<>();
        for (CompletableFuture<MessageId> f : futures) {
            ids.add(f.join());
        }
        return ids;
    }

    /**
     * Publishes one at a time, each confirmed before the next: each message travels on its own, as from separate
     * requests (async bursts may be batched into one entry, which a broker dispatches to one consumer).
     */
    protected List<MessageId> publishTextsOneByOne(String topic, int count, String prefix) {
        List<MessageId> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(broker.publish(Envelope.builder(topic, prefix + i).codec("text").build()));
        }
        return ids;
    }

    protected static void report(String what, int duplicates) {
        System.out.println("[conformance] " + what + ": duplicates=" + duplicates);
    }

    protected static void note(String what, int value) {
        System.out.println("[conformance] " + what + ": " + value);
    }

    /** Records each failure-policy event as {@code kind:attempt}. */
    protected static FailureListener recordingListener(List<String> events) {
        return new FailureListener() {
            @Override
            public void onRetry(FailureEvent e) {
                events.add("retry:" + e.attempt());
            }

            @Override
            public void onDecodeFailed(FailureEvent e) {
                events.add("decodeFailed:" + e.attempt());
            }

            @Override
            public void onDeadLettered(FailureEvent e) {
                events.add("deadLettered:" + e.attempt());
            }

            @Override
            public void onDeadLetterPublishFailed(FailureEvent e) {
                events.add("deadLetterPublishFailed:" + e.attempt());
            }

            @Override
            public void onDropped(FailureEvent e) {
                events.add("dropped:" + e.attempt());
            }

            @Override
            public void onSubscriptionStopped(FailureEvent e) {
                events.add("stopped:" + e.attempt());
            }
        };
    }

    /** Waits until every message of the subscription is acknowledged on the broker. */
    protected void awaitBacklogZero(String topic, String sub) {
        Await.until(WAIT, () -> broker.admin().backlog(topic, sub) == 0, () -> "backlog " + broker.admin().backlog(topic, sub));
    }

    /** Payload (or id) of the message a dead-letter scenario publishes last, which its handler accepts. */
    protected static final String MARKER = "marker";

    /**
     * After a dead letter: the original was acknowledged (the subscription's backlog reaches 0, which an
     * unacknowledged message waiting for redelivery would prevent), and a message published afterwards on the same
     * topic is handled; the caller then checks the handler saw the original exactly as often as the policy says.
     */
    protected void assertAcknowledgedAndNotRedelivered(String topic, String sub, Envelope marker, AtomicBoolean markerHandled) {
        awaitBacklogZero(topic, sub);
        if (marker != null) {
            broker.publish(marker);
        }
        Await.until(WAIT, markerHandled::get, () -> "the message published after the dead letter was not handled");
        awaitBacklogZero(topic, sub);
    }

    /** Publishes, retrying while the broker still reports the backlog quota exceeded (it re-measures periodically). */
    protected MessageId publishWhenAccepted(Envelope envelope) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return broker.publish(envelope);
            } catch (BacklogQuotaExceededException e) {
                if (capabilities().exactBacklogQuota() || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    protected static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> r = new HashSet<>(a);
        r.addAll(b);
        return r;
    }

    protected static <T> Set<T> intersection(Set<T> a, Set<T> b) {
        Set<T> r = new HashSet<>(a);
        r.retainAll(b);
        return r;
    }

    protected static <T> Set<T> minus(Set<T> a, Set<T> b) {
        Set<T> r = new HashSet<>(a);
        r.removeAll(b);
        return r;
    }

    protected static Set<String> keysOf(Recorder<String> rec) {
        Set<String> keys = new HashSet<>();
        rec.messages().forEach(m -> keys.add(m.key().orElseThrow()));
        return keys;
    }

    /** Payloads are {@code key:seq}; per key the sequence must grow (duplicates may repeat an earlier one). */
    protected static void assertPerKeyOrder(List<Message<String>> messages) {
        Map<String, Integer> last = new HashMap<>();
        for (Message<String> m : messages) {
            String[] parts = m.payload().split(":");
            int seq = Integer.parseInt(parts[1]);
            Integer prev = last.put(parts[0], seq);
            if (prev != null) {
                assertThat(seq).as("order of key " + parts[0]).isGreaterThan(prev);
            }
        }
    }
}
