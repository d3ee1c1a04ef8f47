package io.courier;

/**
 * A limit on how much unacknowledged data a topic's slowest subscription may hold. Past it the broker rejects
 * publishes with {@link BacklogQuotaExceededException} (Pulsar's {@code producer_exception} policy) until consumers
 * catch up. Thread-safe (immutable).
 */
public final class BacklogQuota {
    private final long limitBytes;

    private BacklogQuota(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** A quota of {@code limitBytes} bytes of backlog (payload bytes); must be positive. */
    public static BacklogQuota ofBytes(long limitBytes) {
        if (limitBytes <= 0) {
            throw new ConfigurationException("backlog quota must be positive, got " + limitBytes + " bytes");
        }
        return new BacklogQuota(limitBytes);
    }

    public long limitBytes() {
        return limitBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BacklogQuota q && q.limitBytes == limitBytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(limitBytes);
    }

    @Override
    public String toString() {
        return "BacklogQuota{limitBytes=" + limitBytes + "}";
    }
}
