package io.courier.testkit;

/**
 * What a backend offers, as declared to the conformance suite. A feature declared missing skips its tests with
 * the declaration as the reason; it is never faked. Thread-safe (immutable).
 *
 * <p>Defaults: every feature present, payload limit 5 MiB, acknowledgements applied at once.
 */
public final class Features {
    private final long maxPayloadBytes;
    private final boolean backlogQuota;
    private final boolean delayedDelivery;
    private final boolean lazyAcks;
    private final boolean exactBacklogQuota;

    private Features(Builder b) {
        this.exactBacklogQuota = b.exactBacklogQuota;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.backlogQuota = b.backlogQuota;
        this.delayedDelivery = b.delayedDelivery;
        this.lazyAcks = b.lazyAcks;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Largest payload the backend accepts; 0 when it has no limit (chunking). */
    public long maxPayloadBytes() {
        return maxPayloadBytes;
    }

    public boolean backlogQuota() {
        return backlogQuota;
    }

    public boolean delayedDelivery() {
        return delayedDelivery;
    }

    /**
     * True when acknowledgements reach the broker some time after the handler returns (batched acks): a restarted
     * subscriber may then see duplicates, never losses.
     */
    public boolean lazyAcks() {
        return lazyAcks;
    }

    /**
     * True when the quota rejects exactly the first publish that would exceed it. False for brokers that measure the
     * backlog periodically and in storage bytes (Pulsar): publishing is then refused soon after the limit is passed.
     */
    public boolean exactBacklogQuota() {
        return exactBacklogQuota;
    }

    /** Builds {@link Features}. */
    public static final class Builder {
        private long maxPayloadBytes = 5L * 1024 * 1024;
        private boolean backlogQuota = true;
        private boolean delayedDelivery = true;
        private boolean lazyAcks;
        private boolean exactBacklogQuota = true;

        private Builder() {
        }

        public Builder maxPayloadBytes(long bytes) {
            this.maxPayloadBytes = bytes;
            return this;
        }

        public Builder backlogQuota(boolean supported) {
            this.backlogQuota = supported;
            return this;
        }

        public Builder delayedDelivery(boolean supported) {
            this.delayedDelivery = supported;
            return this;
        }

        public Builder lazyAcks(boolean lazy) {
            this.lazyAcks = lazy;
            return this;
        }

        public Builder exactBacklogQuota(boolean exact) {
            this.exactBacklogQuota = exact;
            return this;
        }

        public Features build() {
            return new Features(this);
        }
    }
}
