package io.courier.core.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps one key's messages in order while one of them waits for a retry, without holding a thread: the waiting
 * message holds its key, later messages of that key are parked behind it, and every other key goes on. One gate
 * serves one lane and is used only from that lane's thread (not thread-safe).
 */
final class KeyGate<D> {
    private final Map<String, ArrayDeque<D>> held = new HashMap<>();

    /** True when no key is held: the common case, which costs one check per message. */
    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Parks {@code d} behind {@code key} when that key is held; false (nothing done) when it is free. */
    boolean parkIfHeld(String key, D d) {
        ArrayDeque<D> parked = held.get(key);
        if (parked == null) {
            return false;
        }
        parked.addLast(d);
        return true;
    }

    /** The message of {@code key} that is running must wait: later ones of that key park until it is done. */
    void hold(String key) {
        held.computeIfAbsent(key, k -> new ArrayDeque<>());
    }

    /**
     * The running message of {@code key} is done: the next parked one, which now runs (the key stays held while
     * it does), or null when none is parked (the key is free again).
     */
    D next(String key) {
        ArrayDeque<D> parked = held.get(key);
        if (parked == null) {
            return null;
        }
        D d = parked.pollFirst();
        if (d == null) {
            held.remove(key);
        }
        return d;
    }

    /** Messages parked behind held keys. */
    int parked() {
        int n = 0;
        for (ArrayDeque<D> q : held.values()) {
            n += q.size();
        }
        return n;
    }

    /** Keys held now, for tests and diagnostics. */
    List<String> heldKeys() {
        return new ArrayList<>(held.keySet());
    }
}
