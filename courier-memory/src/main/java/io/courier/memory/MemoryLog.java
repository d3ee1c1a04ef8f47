package io.courier.memory;

import io.courier.Headers;
import java.time.Instant;
import java.util.ArrayList;

/**
 * A topic's messages in offset order: appended at the end, dropped from the front once no subscription needs them.
 * Offsets start at 0 and are never reused. Not thread-safe: guarded by its topic's lock.
 */
final class MemoryLog {
    /** Compact the backing list once this many dropped slots lead it and they are more than half of it. */
    private static final int COMPACT_AFTER = 1024;

    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Index in {@link #entries} of the entry at {@link #baseOffset}; the slots before it are dropped (null). */
    private int head;
    private long baseOffset;
    private long nextOffset;

    /** A message as the log keeps it. */
    record Entry(long offset, byte[] payload, String key, Headers headers, Instant publishTime, Instant eventTime,
                 Instant deliverAt) {
    }

    /** Appends a message and returns its offset. */
    long append(byte[] payload, String key, Headers headers, Instant publishTime, Instant eventTime,
                Instant deliverAt) {
        long offset = nextOffset++;
        entries.add(new Entry(offset, payload, key, headers, publishTime, eventTime, deliverAt));
        return offset;
    }

    /** The oldest offset still kept. */
    long baseOffset() {
        return baseOffset;
    }

    /** The offset the next message will get; also the count of messages ever appended. */
    long nextOffset() {
        return nextOffset;
    }

    /** The entry at {@code offset}, or null when it was dropped or is not written yet. */
    Entry entry(long offset) {
        if (offset < baseOffset || offset >= nextOffset) {
            return null;
        }
        return entries.get(head + (int) (offset - baseOffset));
    }

    /** Drops every entry below {@code keepFrom}. */
    void dropBefore(long keepFrom) {
        while (baseOffset < keepFrom) {
            entries.set(head++, null);
            baseOffset++;
        }
        if (head > COMPACT_AFTER && head > entries.size() / 2) {
            entries.subList(0, head).clear();
            head = 0;
        }
    }

    /** Bytes of payload from {@code from} (at least the oldest kept) to the end. */
    long payloadBytesFrom(long from) {
        long bytes = 0;
        for (long o = Math.max(from, baseOffset); o < nextOffset; o++) {
            bytes += entry(o).payload().length;
        }
        return bytes;
    }

    /** The first kept offset published at or after {@code time}, or {@link #nextOffset()} when there is none. */
    long firstPublishedAtOrAfter(Instant time) {
        for (long o = baseOffset; o < nextOffset; o++) {
            if (!entry(o).publishTime().isBefore(time)) {
                return o;
            }
        }
        return nextOffset;
    }
}
