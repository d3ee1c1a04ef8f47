package io.courier.nats;

import io.courier.Headers;
import io.courier.MessageId;
import io.courier.core.spi.RawConsumer;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.Timers;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One member of a subscription: pulls from the subscription's durable consumer while it is active, which an EXCLUSIVE
 * or FAILOVER member is only while it holds the subscription's lease ({@link NatsMembers}). A pull asks for what the
 * engine has room for (its {@code maxInFlight} less what handlers hold) and lasts at most {@value #PULL_EXPIRES_MS} ms;
 * the next is sent when it has brought all it asked for or its time is up by this member's clock. The server ends it a
 * moment later, so two pulls may briefly be open and bring a few messages more than asked; waiting for that moment
 * instead would leave the member without a pull, and a message published then waiting, for the whole margin. Pulls are
 * explicit so that a close knows when the last one is over: until then it hands back each message that pull still
 * brings, and no message is left in flight to a member that is gone. Every message is settled on its own: an ack, or a {@code nak} with the nack delay, so that the
 * server holds it back, not Courier. Messages handed to the engine and not yet settled get an in-progress ack every
 * third of {@code ackWaitMs}, so that a handler that runs long keeps its message; on close what is still unsettled is
 * handed back at once. Receives on one thread, settles from any. Thread-safe.
 */
final class NatsConsumer implements RawConsumer {
    /** How long a pull waits at the server for messages; what is there comes back at once. */
    private static final long PULL_EXPIRES_MS = 500;
    /** Beyond a pull's expiry: when its end has surely reached this member. */
    private static final long PULL_MARGIN_MS = 200;

    private final String topic;
    private final JetStreamSubscription subscription;
    private final NatsMembers.Member member;
    private final int batch;
    private final Duration nackDelay;
    private final Runnable onClose;
    private final Set<Message> held = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> keepAlive;
    private final Object pulling = new Object();
    /** Messages the current pull may still bring, and when it is over at the latest; guarded by {@code pulling}. */
    private int pullLeft;
    private long pullEndsNanos = System.nanoTime();
    /** When the current pull's time is up by this member's clock, and the next one goes out; guarded by {@code pulling}. */
    private long pullRenewNanos = System.nanoTime();
    private volatile boolean closed;

    NatsConsumer(String topic, JetStreamSubscription subscription, NatsMembers.Member member, int batch,
                 Duration ackWait, Duration nackDelay, Runnable onClose) {
        this.topic = topic;
        this.subscription = subscription;
        this.member = member;
        this.batch = batch;
        this.nackDelay = nackDelay;
        this.onClose = onClose;
        long every = Math.max(100, ackWait.toMillis() / 3);
        this.keepAlive = Timers.shared().scheduleWithFixedDelay(this::inProgress, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        long millis = Math.max(1, unit.toMillis(timeout));
        synchronized (pulling) {
            if (closed) {
                return null;
            }
            try {
                if (!member.active()) {
                    // a standby, or a member that lost its lease: what its last pull brings goes back at once
                    for (Message m; (m = subscription.nextMessage(Duration.ofMillis(1))) != null; ) {
                        pullLeft--;
                        handBack(m, Duration.ZERO);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(millis, 50)));
                    return null;
                }
                long now = System.nanoTime();
                if (pullLeft <= 0 || now - pullRenewNanos > 0) {
                    pullLeft = Math.max(1, batch - held.size());
                    pullRenewNanos = now + TimeUnit.MILLISECONDS.toNanos(PULL_EXPIRES_MS);
                    pullEndsNanos = pullRenewNanos + TimeUnit.MILLISECONDS.toNanos(PULL_MARGIN_MS);
                    subscription.pullExpiresIn(pullLeft, PULL_EXPIRES_MS);
                }
                Message m = subscription.nextMessage(Duration.ofMillis(Math.min(millis, PULL_EXPIRES_MS)));
                if (m == null) {
                    return null;
                }
                pullLeft--;
                held.add(m);
                return raw(m);
            } catch (IllegalStateException e) {
                // the connection is away, or a status ended the pull (the durable made again): the next receive pulls
                pullLeft = 0;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(millis, 100)));
                return null;
            }
        }
    }

    private RawMessage raw(Message m) {
        NatsJetStreamMetaData meta = m.metaData();
        io.nats.client.impl.Headers h = m.getHeaders();
        String key = h == null ? null : h.getFirst(NatsBroker.KEY);
        String eventTime = h == null ? null : h.getFirst(NatsBroker.EVENT_TIME);
        return new RawMessage(topic, NatsBroker.id(topic, meta.streamSequence()), key, () -> headers(h),
                m.getData() == null ? new byte[0] : m.getData(), meta.timestamp().toInstant(),
                eventTime == null ? null : Instant.ofEpochMilli(Long.parseLong(eventTime)),
                (int) Math.max(0, meta.deliveredCount() - 1), m);
    }

    /** The message's headers as Courier sees them: without the ones Courier and NATS use underneath. */
    static Headers headers(io.nats.client.impl.Headers h) {
        Map<String, String> out = new TreeMap<>();   // sorted by name, as every backend delivers them
        if (h != null) {
            for (Map.Entry<String, List<String>> e : h.entrySet()) {
                String name = e.getKey();
                if (!name.equals(NatsBroker.KEY) && !name.equals(NatsBroker.EVENT_TIME) && !name.startsWith("Nats-")
                        && !e.getValue().isEmpty()) {
                    out.put(name, e.getValue().get(0));
                }
            }
        }
        return Headers.of(out);
    }

    @Override
    public void ack(RawMessage message) {
        Message m = (Message) message.handle();
        if (held.remove(m)) {
            try {
                m.ack();
            } catch (RuntimeException e) {
                // the connection is gone: the server delivers the message again after the ack wait
            }
        }
    }

    @Override
    public void nack(RawMessage message) {
        Message m = (Message) message.handle();
        if (held.remove(m)) {
            handBack(m, nackDelay);
        }
    }

    private static void handBack(Message m, Duration delay) {
        try {
            if (delay.isZero()) {
                m.nak();
            } else {
                m.nakWithDelay(delay);
            }
        } catch (RuntimeException e) {
            // the connection is gone: the server delivers the message again after the ack wait
        }
    }

    /** Tells the server that messages still in handlers are being worked on, which restarts their ack wait. */
    private void inProgress() {
        for (Message m : held) {
            try {
                m.inProgress();
            } catch (RuntimeException e) {
                return;   // the connection is away: tried again on the next tick
            }
        }
    }

    /**
     * Waits out the last pull, handing back each message it still brings, then ends the client's subscription. Called
     * holding {@code pulling}, at most until {@code deadline}.
     */
    private void endPulls(long deadline) {
        try {
            long end = Math.min(pullEndsNanos, deadline);
            for (long left; pullLeft > 0 && (left = end - System.nanoTime()) > 0; ) {
                Message m = subscription.nextMessage(Duration.ofNanos(Math.max(left, 1_000_000)));
                if (m != null) {
                    pullLeft--;
                    handBack(m, Duration.ZERO);
                }
            }
            for (Message m; (m = subscription.nextMessage(Duration.ofMillis(1))) != null; ) {
                handBack(m, Duration.ZERO);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the connection is gone: the server delivers what was in flight again after the ack wait
        }
        try {
            subscription.unsubscribe();
        } catch (RuntimeException e) {
            // closed with its connection already
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        keepAlive.cancel(false);
        // the last pull is waited out even past a short grace (it ends within a second): a message it brought to a
        // member that is gone would come back only after the ack wait
        synchronized (pulling) {
            endPulls(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PULL_EXPIRES_MS + PULL_MARGIN_MS));
        }
        for (Message m : held) {
            if (held.remove(m)) {
                handBack(m, Duration.ZERO);
            }
        }
        member.leave();
        onClose.run();
    }
}
