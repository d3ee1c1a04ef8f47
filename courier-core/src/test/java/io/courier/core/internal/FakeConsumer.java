package io.courier.core.internal;

import io.courier.Headers;
import io.courier.MessageId;
import io.courier.core.codec.TextCodec;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link RawConsumer} fed by the test: what it delivers, and what the dispatcher acknowledged or handed back. */
final class FakeConsumer implements RawConsumer {
    private final LinkedBlockingQueue<RawMessage> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger ids = new AtomicInteger();
    final List<String> acked = new CopyOnWriteArrayList<>();
    final List<String> nacked = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    /** Delivers a text message whose payload is {@code text}; returns it. */
    RawMessage deliver(String key, String text) {
        return deliver(key, text, TextCodec.CONTENT_TYPE);
    }

    RawMessage deliver(String key, String text, String contentType) {
        RawMessage m = new RawMessage("orders", MessageId.of(Integer.toString(ids.incrementAndGet())), key,
                Headers.of(Headers.CONTENT_TYPE, contentType), text.getBytes(StandardCharsets.UTF_8), Instant.EPOCH,
                null, 0, text);
        queue.add(m);
        return m;
    }

    /** Delivers a message made by the test. */
    void deliver(RawMessage m) {
        queue.add(m);
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    @Override
    public void ack(RawMessage message) {
        acked.add((String) message.handle());
    }

    @Override
    public void nack(RawMessage message) {
        nacked.add((String) message.handle());
    }

    @Override
    public void close() {
        closed = true;
    }
}
