package io.courier;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one backend offers, from {@link Broker#capabilities()}: the subscription types it maps, the optional
 * {@link Capability capabilities} it has (each missing one with what to use instead), and the limits that differ
 * between brokers. A call that needs something missing fails at the call with an {@link UnsupportedFeatureException}
 * naming the backend, the feature and the alternative; nothing is silently ignored except what a capability's note
 * says (for example where delayed delivery is honoured). The conformance suite skips by this value too, printing why.
 * Thread-safe (immutable).
 */
public final class Capabilities {
    private final String backend;
    private final Set<SubscriptionType> subscriptionTypes;
    private final Map<Capability, String> missing;
    private final Map<Capability, String> notes;
    private final Map<SubscriptionType, String> typesInstead;
    private final Set<SubscriptionType> delayedDeliveryTypes;
    private final long maxPayloadBytes;
    private final boolean exactBacklogQuota;
    private final boolean lazyAcks;

    private Capabilities(Builder b) {
        this.backend = b.backend;
        this.subscriptionTypes = Collections.unmodifiableSet(EnumSet.copyOf(b.subscriptionTypes));
        this.missing = Collections.unmodifiableMap(new EnumMap<>(b.missing));
        this.notes = Collections.unmodifiableMap(new LinkedHashMap<>(b.notes));
        this.typesInstead = Collections.unmodifiableMap(new EnumMap<>(b.typesInstead));
        this.delayedDeliveryTypes = b.delayedDeliveryTypes.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(b.delayedDeliveryTypes));
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.exactBacklogQuota = b.exactBacklogQuota;
        this.lazyAcks = b.lazyAcks;
    }

    /** Capabilities of the backend named {@code backend} (its URL scheme, e.g. {@code pulsar}). */
    public static Builder builder(String backend) {
        return new Builder(backend);
    }

    /** The backend's name (its URL scheme). */
    public String backend() {
        return backend;
    }

    public boolean supports(Capability capability) {
        return !missing.containsKey(capability);
    }

    public boolean supports(SubscriptionType type) {
        return subscriptionTypes.contains(type);
    }

    public Set<SubscriptionType> subscriptionTypes() {
        return subscriptionTypes;
    }

    /** The missing capabilities, each with what to use instead. */
    public Map<Capability, String> missing() {
        return missing;
    }

    /** The subscription types this backend leaves out on purpose, each with what to use instead. */
    public Map<SubscriptionType, String> missingTypes() {
        return typesInstead;
    }

    /** Remarks on how a present capability works on this backend (its limits), by capability. */
    public Map<Capability, String> notes() {
        return notes;
    }

    /** The subscription types on which delayed messages wait for their time (others receive them at once). */
    public Set<SubscriptionType> delayedDeliveryTypes() {
        return delayedDeliveryTypes;
    }

    /** Largest payload accepted; 0 when there is no limit (large payloads are chunked). */
    public long maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * True when a backlog quota refuses exactly the first publish over the limit; false when the broker measures the
     * backlog periodically (publishing is then refused soon after the limit is passed).
     */
    public boolean exactBacklogQuota() {
        return exactBacklogQuota;
    }

    /**
     * True when acknowledgements reach the broker some time after the handler returns (batched): a restarted
     * subscriber may then see duplicates, never losses.
     */
    public boolean lazyAcks() {
        return lazyAcks;
    }

    /**
     * @throws UnsupportedFeatureException when {@code capability} is missing, naming {@code use} (what the caller
     *                                     tried), the backend and the alternative
     */
    public void require(Capability capability, String use) {
        String instead = missing.get(capability);
        if (instead != null) {
            throw new UnsupportedFeatureException(backend, capability.name(), use, instead);
        }
    }

    /** @throws UnsupportedFeatureException when this backend has no subscriptions of {@code type} */
    public void require(SubscriptionType type, String use) {
        if (!subscriptionTypes.contains(type)) {
            throw new UnsupportedFeatureException(backend, type + " subscriptions", use,
                    typesInstead.getOrDefault(type, "use one of " + subscriptionTypes));
        }
    }

    @Override
    public String toString() {
        return "Capabilities{" + backend + ", types=" + subscriptionTypes + ", missing=" + missing.keySet()
                + ", maxPayloadBytes=" + maxPayloadBytes + "}";
    }

    /** Builds {@link Capabilities}; starts with every type and capability present. Not thread-safe. */
    public static final class Builder {
        private final String backend;
        private final Set<SubscriptionType> subscriptionTypes = EnumSet.allOf(SubscriptionType.class);
        private final Map<Capability, String> missing = new EnumMap<>(Capability.class);
        private final Map<Capability, String> notes = new EnumMap<>(Capability.class);
        private final Map<SubscriptionType, String> typesInstead = new EnumMap<>(SubscriptionType.class);
        private final Set<SubscriptionType> delayedDeliveryTypes = EnumSet.allOf(SubscriptionType.class);
        private long maxPayloadBytes = 5L * 1024 * 1024;
        private boolean exactBacklogQuota = true;
        private boolean lazyAcks;

        private Builder(String backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** The subscription types mapped (default all). */
        public Builder subscriptionTypes(SubscriptionType... types) {
            subscriptionTypes.clear();
            subscriptionTypes.addAll(List.of(types));
            return this;
        }

        /** Leaves subscriptions of {@code type} out; {@code instead} tells the user what to use instead. */
        public Builder without(SubscriptionType type, String instead) {
            subscriptionTypes.remove(type);
            typesInstead.put(type, Objects.requireNonNull(instead, "instead"));
            return this;
        }

        /** Declares {@code capability} missing; {@code instead} tells the user what to do instead. */
        public Builder without(Capability capability, String instead) {
            missing.put(capability, Objects.requireNonNull(instead, "instead"));
            return this;
        }

        /** A remark on how a present capability behaves here (shown in docs and errors). */
        public Builder note(Capability capability, String note) {
            notes.put(capability, note);
            return this;
        }

        /** Where delayed delivery is honoured (default every type). */
        public Builder delayedDeliveryTypes(SubscriptionType... types) {
            delayedDeliveryTypes.clear();
            delayedDeliveryTypes.addAll(List.of(types));
            return this;
        }

        /** Largest payload; 0 for no limit (default 5 MiB). */
        public Builder maxPayloadBytes(long bytes) {
            this.maxPayloadBytes = bytes;
            return this;
        }

        /** Default true. */
        public Builder exactBacklogQuota(boolean exact) {
            this.exactBacklogQuota = exact;
            return this;
        }

        /** Default false. */
        public Builder lazyAcks(boolean lazy) {
            this.lazyAcks = lazy;
            return this;
        }

        /** @throws ConfigurationException listing every problem */
        public Capabilities build() {
            List<String> problems = new ArrayList<>();
            if (subscriptionTypes.isEmpty()) {
                problems.add("a backend maps at least one subscription type");
            }
            if (maxPayloadBytes < 0) {
                problems.add("maxPayloadBytes must be 0 (no limit) or positive, got " + maxPayloadBytes);
            }
            for (Capability c : notes.keySet()) {
                if (missing.containsKey(c)) {
                    problems.add(c + " is both missing and noted");
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid capabilities of backend '" + backend + "'", problems);
            }
            return new Capabilities(this);
        }
    }
}
