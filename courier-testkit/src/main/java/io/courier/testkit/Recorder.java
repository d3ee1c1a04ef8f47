package io.courier.testkit;

import io.courier.Handler;
import io.courier.Message;
import io.courier.MessageId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A handler that records every message it is given, for assertions. Thread-safe. */
public final class Recorder<T> implements Handler<T> {
    private final ConcurrentLinkedQueue<Message<T>> messages = new ConcurrentLinkedQueue<>();
    private final Set<MessageId> ids = ConcurrentHashMap.newKeySet();

    @Override
    public void handle(Message<T> message) {
        messages.add(message);
        ids.add(message.id());
    }

    /** Every message in arrival order, duplicates included. */
    public List<Message<T>> messages() {
        return new ArrayList<>(messages);
    }

    public List<T> payloads() {
        List<T> result = new ArrayList<>();
        for (Message<T> m : messages) {
            result.add(m.payload());
        }
        return result;
    }

    public Set<MessageId> ids() {
        return new HashSet<>(ids);
    }

    public int count() {
        return messages.size();
    }

    /** Deliveries beyond the first of each id. */
    public int duplicates() {
        return messages.size() - ids.size();
    }

    /** Waits until every id in {@code expected} has arrived. */
    public Recorder<T> awaitIds(Set<MessageId> expected, Duration timeout) {
        Await.until(timeout, () -> ids.containsAll(expected),
                () -> "received " + ids.size() + " distinct of " + expected.size() + " expected messages");
        return this;
    }

    /** Waits until at least {@code n} messages (counting duplicates) have arrived. */
    public Recorder<T> awaitCount(int n, Duration timeout) {
        Await.until(timeout, () -> messages.size() >= n, () -> "received " + messages.size() + " of " + n + " messages");
        return this;
    }
}
