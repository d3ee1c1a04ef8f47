package io.courier.nats;

import io.courier.SubscriptionType;
import io.courier.core.spi.Timers;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Who consumes which subscription, kept in a JetStream key-value bucket whose entries expire: every member of a
 * subscription renews a key of its own ({@code <stream>.<durable>.m.<member>}, its type as the value), and an
 * EXCLUSIVE or FAILOVER subscription's active member holds {@code <stream>.<durable>.active}, taken with a create that
 * fails while another holds it. NATS 2.9 has no pinned consumers; a lease in a replicated bucket gives one active
 * member across processes, and a crashed member's lease ends with its last renewal plus {@code memberTtlMs}. Members
 * renew every fifth of the TTL, and a standby tries to take the lease as often. Thread-safe.
 */
final class NatsMembers {
    static final String BUCKET = "courier-members";

    private final KeyValue kv;
    private final Duration ttl;
    /** Renewals wait for the server (up to the request timeout while it is away): a thread of their own. */
    private final ScheduledExecutorService renewals =
            Executors.newSingleThreadScheduledExecutor(Timers.daemonThreads("courier-nats-members"));

    NatsMembers(Connection connection, NatsSettings settings) throws IOException, JetStreamApiException {
        this.ttl = settings.get(NatsSettings.MEMBER_TTL);
        var management = connection.keyValueManagement();
        if (!management.getBucketNames().contains(BUCKET)) {
            try {
                management.create(KeyValueConfiguration.builder().name(BUCKET).maxHistoryPerKey(1).ttl(ttl)
                        .storageType(StorageType.File).replicas(settings.get(NatsSettings.REPLICAS).intValue()).build());
            } catch (JetStreamApiException e) {
                // made by another process meanwhile (with its own settings): use it
                if (!management.getBucketNames().contains(BUCKET)) {
                    throw e;
                }
            }
        }
        this.kv = connection.keyValue(BUCKET);
    }

    /** The connected members of a subscription, by type (empty when none is given or the value is unreadable). */
    List<Optional<SubscriptionType>> members(String stream, String durable) {
        List<Optional<SubscriptionType>> types = new ArrayList<>();
        try {
            for (String key : kv.keys(stream + "." + durable + ".m.*")) {
                KeyValueEntry e = kv.get(key);
                if (e != null && e.getOperation() == KeyValueOperation.PUT) {
                    try {
                        types.add(Optional.of(SubscriptionType.valueOf(new String(e.getValue(), StandardCharsets.UTF_8))));
                    } catch (IllegalArgumentException unknown) {
                        types.add(Optional.empty());
                    }
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw new io.courier.CourierException("cannot read the members of '" + durable + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return types;
    }

    /**
     * Joins {@code durable} of {@code stream} as a member of {@code type}; for EXCLUSIVE and FAILOVER it also tries to
     * become the active one. Renewed until {@link Member#leave()}.
     */
    Member join(String stream, String durable, SubscriptionType type) throws IOException, JetStreamApiException {
        Member m = new Member(stream + "." + durable, type);
        m.start();
        return m;
    }

    /** Stops renewing; members not left yet expire by themselves. */
    void close() {
        renewals.shutdownNow();
    }

    /** One member's keys and their renewal. */
    final class Member {
        private final String memberKey;
        private final String activeKey;
        private final byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        private final byte[] typeValue;
        private final boolean single;
        private long memberRevision;
        private long activeRevision = -1;
        private volatile boolean active;
        private volatile boolean left;
        private ScheduledFuture<?> renewal;

        private Member(String subscriptionKey, SubscriptionType type) {
            this.memberKey = subscriptionKey + ".m." + new String(id, StandardCharsets.UTF_8);
            this.activeKey = subscriptionKey + ".active";
            this.typeValue = type.name().getBytes(StandardCharsets.UTF_8);
            this.single = type == SubscriptionType.EXCLUSIVE || type == SubscriptionType.FAILOVER;
            this.active = !single;
        }

        private synchronized void start() throws IOException, JetStreamApiException {
            memberRevision = kv.put(memberKey, typeValue);
            if (single) {
                tryTakeLease();
            }
            long every = Math.max(100, ttl.toMillis() / 5);
            renewal = renewals.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        }

        /** True while this member may receive: always for SHARED, while it holds the lease otherwise. */
        boolean active() {
            return active;
        }

        private synchronized void tryTakeLease() throws IOException, JetStreamApiException {
            try {
                activeRevision = kv.create(activeKey, id);
                active = true;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE) {
                    throw e;
                }
                active = false;
            }
        }

        private synchronized void renew() {
            if (left) {
                return;
            }
            try {
                memberRevision = kv.update(memberKey, typeValue, memberRevision);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                try {
                    memberRevision = kv.put(memberKey, typeValue);   // expired meanwhile (a long pause): joined again
                } catch (IOException | JetStreamApiException | RuntimeException again) {
                    // the server is away: renewed on the next tick
                }
            }
            if (!single) {
                return;
            }
            try {
                if (active) {
                    activeRevision = kv.update(activeKey, id, activeRevision);
                } else {
                    tryTakeLease();
                }
            } catch (JetStreamApiException e) {
                // the lease expired and another member took it: this one waits as a standby
                active = false;
            } catch (IOException | RuntimeException e) {
                // the server is away: an active member keeps receiving what it can, the lease is renewed later
            }
        }

        /** Leaves: the lease (if held) at once, so that a standby takes over within one renewal period. */
        synchronized void leave() {
            if (left) {
                return;
            }
            left = true;
            renewal.cancel(false);
            try {
                if (single && active) {
                    kv.delete(activeKey, activeRevision);
                }
                kv.delete(memberKey);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                // the server is away or the lease already expired: the keys expire by themselves
            }
            active = false;
        }
    }
}
