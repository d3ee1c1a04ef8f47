package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.core.AwaitState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-topic producers: one creation per topic, sends in call order while creating, failed creations not kept. */
class ProducerCacheTest {
    /** A producer that records what it sent. */
    static final class FakeProducer {
        final String topic;
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        FakeProducer(String topic) {
            this.topic = topic;
        }

        CompletableFuture<String> send(String m) {
            sent.add(m);
            return CompletableFuture.completedFuture(topic + ":" + sent.size());
        }
    }

    private final List<CompletableFuture<FakeProducer>> creations = new CopyOnWriteArrayList<>();
    private final AtomicInteger created = new AtomicInteger();
    private final ProducerCache<FakeProducer, String> cache = new ProducerCache<>(topic -> {
        created.incrementAndGet();
        CompletableFuture<FakeProducer> f = new CompletableFuture<>();
        creations.add(f);
        return f;
    }, p -> p.closed = true);

    @Test
    void sendsMadeWhileTheProducerIsCreatedGoOutInCallOrderBeforeLaterOnes() {
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String m = "m" + i;
            results.add(cache.slot("orders").send(p -> p.send(m)));
        }
        assertThat(created).hasValue(1);
        FakeProducer producer = new FakeProducer("orders");
        creations.get(0).complete(producer);
        AwaitState.until(() -> cache.slot("orders").ready() != null);
        cache.slot("orders").send(p -> p.send("after"));
        assertThat(producer.sent).hasSize(101);
        for (int i = 0; i < 100; i++) {
            assertThat(producer.sent.get(i)).isEqualTo("m" + i);
        }
        assertThat(producer.sent.get(100)).isEqualTo("after");
        assertThat(results.get(99).join()).isEqualTo("orders:100");
        assertThat(created).hasValue(1);
    }

    @Test
    void aFailedCreationFailsItsSendsAndIsNotKept() {
        CompletableFuture<String> first = cache.slot("t").send(p -> p.send("x"));
        creations.get(0).completeExceptionally(new IllegalStateException("broker down"));
        assertThat(first).failsWithin(java.time.Duration.ofSeconds(5));
        cache.slot("t");
        assertThat(created).as("the next send creates again").hasValue(2);
    }

    @Test
    void evictAndInstallCloseTheProducerTheyDrop() {
        ProducerCache.Slot<FakeProducer, String> slot = cache.slot("t");
        FakeProducer first = new FakeProducer("t");
        creations.get(0).complete(first);
        cache.evict("t", slot);
        assertThat(slot.isEvicted()).isTrue();
        AwaitState.until(() -> first.closed);
        FakeProducer second = new FakeProducer("t");
        cache.install("t", second);
        FakeProducer third = new FakeProducer("t");
        cache.install("t", third);
        assertThat(second.closed).isTrue();
        AwaitState.until(() -> cache.slot("t").ready() == third);
        assertThat(cache.finishAll(p -> CompletableFuture.completedFuture(p.topic))).hasSize(1);
    }
}
