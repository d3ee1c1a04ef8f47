package io.courier.core.spi;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-message acknowledgement on top of a log's offsets (Kafka, Redis Streams): records which offsets of each
 * partition were handed out and which were acknowledged, and says up to where the consumer may commit: one past the
 * contiguous acknowledged prefix, never past a message still in flight. Offsets the log skipped (compaction,
 * transaction markers) count as done. A message delivered again after a seek back is in flight again. Thread-safe.
 *
 * <p>Use: {@link #delivered} for each record handed to the dispatcher, {@link #acked} when it is acknowledged,
 * {@link #commitPositions()} periodically (and on a rebalance, for the partitions being revoked, then
 * {@link #forget}).
 *
 * @param <P> the partition's identity (e.g. Kafka's {@code TopicPartition})
 */
public final class OffsetTracker<P> {
    private final Map<P, Partition> partitions = new ConcurrentHashMap<>();

    /** One partition's window: offsets from {@code base} up to {@code next - 1} not yet committed past. */
    private static final class Partition {
        long base = -1;
        long next;
        long committed = -1;
        /** Bit i: offset base+i is acknowledged, or was never delivered (a gap in the log). */
        BitSet done = new BitSet();
    }

    /** Offset {@code offset} of {@code partition} was handed out. */
    public void delivered(P partition, long offset) {
        Partition p = partitions.computeIfAbsent(partition, k -> new Partition());
        synchronized (p) {
            if (p.base < 0) {
                p.base = offset;
                p.next = offset;
                p.committed = offset;   // where reading started: nothing to commit until something is done
            }
            if (offset < p.base) {
                // delivered again from before the window (a seek back): the offsets between it and the old base were
                // committed past already and count as done; only this one is in flight
                int shift = (int) (p.base - offset);
                BitSet widened = new BitSet();
                widened.set(0, shift);
                for (int j = p.done.nextSetBit(0); j >= 0 && j < p.next - p.base; j = p.done.nextSetBit(j + 1)) {
                    widened.set(shift + j);
                }
                p.done = widened;
                p.base = offset;
            }
            if (offset >= p.next) {
                p.done.set((int) (p.next - p.base), (int) (offset - p.base));   // skipped offsets are done
                p.next = offset + 1;
            }
            p.done.clear((int) (offset - p.base));
        }
    }

    /** Offset {@code offset} of {@code partition} was acknowledged; an offset outside the window is ignored. */
    public void acked(P partition, long offset) {
        Partition p = partitions.get(partition);
        if (p == null) {
            return;
        }
        synchronized (p) {
            if (offset >= p.base && offset < p.next) {
                p.done.set((int) (offset - p.base));
            }
        }
    }

    /** Offsets of {@code partition} handed out and not acknowledged. */
    public int inFlight(P partition) {
        Partition p = partitions.get(partition);
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            return (int) (p.next - p.base) - p.done.cardinality();
        }
    }

    /**
     * The position to commit for each partition that advanced since the last call (the next offset to read: one past
     * the acknowledged prefix), and moves the windows on. Empty when nothing advanced.
     */
    public Map<P, Long> commitPositions() {
        Map<P, Long> result = new LinkedHashMap<>();
        partitions.forEach((partition, p) -> {
            synchronized (p) {
                if (p.base < 0) {
                    return;
                }
                int prefix = Math.min(p.done.nextClearBit(0), (int) (p.next - p.base));
                long position = p.base + prefix;
                if (prefix > 0) {
                    p.done = p.done.get(prefix, Math.max(prefix, (int) (p.next - p.base)));
                    p.base = position;
                }
                if (position > p.committed) {
                    p.committed = position;
                    result.put(partition, position);
                }
            }
        });
        return result;
    }

    /** The lowest offset of {@code partition} still in flight, or -1: where to seek to have it delivered again. */
    public long firstInFlight(P partition) {
        Partition p = partitions.get(partition);
        if (p == null) {
            return -1;
        }
        synchronized (p) {
            int i = p.done.nextClearBit(0);
            return i < p.next - p.base ? p.base + i : -1;
        }
    }

    /** Stops tracking {@code partition} (revoked or lost); acknowledgements that come later are ignored. */
    public void forget(P partition) {
        partitions.remove(partition);
    }
}
