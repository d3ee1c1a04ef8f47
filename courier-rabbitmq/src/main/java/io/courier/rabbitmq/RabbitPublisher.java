package io.courier.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import io.courier.PublisherClosedException;
import io.courier.core.spi.BrokerErrors;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Publishing with publisher confirms on one channel: a publish completes when RabbitMQ confirmed it, fails when
 * RabbitMQ nacks it or returns it unroutable (no subscription's queue took it). While the connection is down, sends
 * wait in order, each at most its publish timeout, and go out once the client has reconnected; sends that were out
 * but unconfirmed when the connection broke go out again first (at least once: a message the broker had stored before
 * the break is then stored twice). A channel the broker closes for an error fails its unconfirmed sends with that
 * error and is replaced. Thread-safe: sends are serialized on one lock, callbacks complete results outside it.
 */
final class RabbitPublisher {
    private static final System.Logger LOG = System.getLogger(RabbitPublisher.class.getName());

    /** One message on its way: what to send again after a reconnect, and whom to tell. */
    static final class Outgoing {
        final String exchange;
        final String routingKey;
        final AMQP.BasicProperties properties;
        final byte[] body;
        final long deadlineNanos;
        final MessageId id;
        final CompletableFuture<MessageId> result;
        volatile String returned;

        Outgoing(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body, Duration timeout,
                 MessageId id, CompletableFuture<MessageId> result) {
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.properties = properties;
            this.body = body;
            this.deadlineNanos = System.nanoTime() + timeout.toNanos();
            this.id = id;
            this.result = result;
        }
    }

    private final Connection connection;
    private final String url;
    private final BrokerErrors errors;
    private final boolean mandatory;
    private final ScheduledExecutorService worker;
    private final Consumer<String> declareExchange;
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    // a skip list, not a TreeMap: tens of thousands may be unconfirmed, and rebalancing a tree on every send showed
    private final NavigableMap<Long, Outgoing> unconfirmed = new ConcurrentSkipListMap<>();   // guarded by lock
    private final ArrayDeque<Outgoing> waiting = new ArrayDeque<>();          // guarded by lock
    private Channel channel;                                                  // guarded by lock
    private boolean sweepScheduled;                                           // guarded by lock
    private volatile boolean closed;

    /**
     * @param declareExchange declares a topic's exchange (a blocking call, never made under the lock)
     * @param worker          runs the resends after a reconnect and the timeouts of waiting sends
     */
    RabbitPublisher(Connection connection, String url, BrokerErrors errors, boolean mandatory,
                    Consumer<String> declareExchange, ScheduledExecutorService worker) throws IOException {
        this.connection = connection;
        this.url = url;
        this.errors = errors;
        this.mandatory = mandatory;
        this.declareExchange = declareExchange;
        this.worker = worker;
        synchronized (lock) {
            this.channel = openChannel();
        }
    }

    private Channel openChannel() throws IOException {
        Channel ch = connection.createChannel();
        ch.confirmSelect();
        ch.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long tag, boolean multiple) {
                settle(ch, tag, multiple, null);
            }

            @Override
            public void handleNack(long tag, boolean multiple) {
                settle(ch, tag, multiple, "RabbitMQ refused to store it (basic.nack: a queue over its length limit "
                        + "with overflow reject-publish, or an internal error)");
            }
        });
        ch.addReturnListener(r -> returned(ch, r.getProperties().getMessageId(), r.getReplyText()));
        ch.addShutdownListener(cause -> lost(ch, cause));
        if (ch instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable r) {
                    worker.execute(RabbitPublisher.this::flush);
                }

                @Override
                public void handleRecoveryStarted(Recoverable r) {
                }
            });
        }
        return ch;
    }

    /** Sends {@code o}, or queues it while the connection is down or earlier sends still wait. */
    void publish(Outgoing o) {
        if (!declared.contains(o.exchange) && connection.isOpen()) {
            try {
                declareExchange.accept(o.exchange);
                declared.add(o.exchange);
            } catch (RuntimeException e) {
                if (connection.isOpen()) {
                    o.result.completeExceptionally(errors.publish(e, o.exchange));
                    return;
                }
                // the connection broke meanwhile: the send waits for it, and the exchange is declared then
            }
        }
        Throwable failed = null;
        synchronized (lock) {
            if (closed) {
                failed = new PublisherClosedException("publish to '" + o.exchange + "' on " + url + " failed: the "
                        + "broker is closed");
            } else if (!waiting.isEmpty() || !channel.isOpen() || !declared.contains(o.exchange)) {
                waiting.add(o);
                scheduleSweep();
            } else {
                send(o);
            }
        }
        if (failed != null) {
            o.result.completeExceptionally(failed);
        }
    }

    /** Puts {@code o} on the wire; back to the head of the waiting sends when the channel is down. Lock held. */
    private boolean send(Outgoing o) {
        long seq = channel.getNextPublishSeqNo();
        try {
            unconfirmed.put(seq, o);
            channel.basicPublish(o.exchange, o.routingKey, mandatory, o.properties, o.body);
            return true;
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            unconfirmed.remove(seq);
            waiting.addFirst(o);
            scheduleSweep();
            return false;
        }
    }

    private void settle(Channel ch, long tag, boolean multiple, String nack) {
        List<Outgoing> done = new ArrayList<>();
        synchronized (lock) {
            if (ch != channel) {
                return;   // a replaced channel's late confirm: its sends were settled when it closed
            }
            if (multiple) {
                Map<Long, Outgoing> head = unconfirmed.headMap(tag, true);
                done.addAll(head.values());
                head.clear();
            } else {
                Outgoing o = unconfirmed.remove(tag);
                if (o != null) {
                    done.add(o);
                }
            }
        }
        for (Outgoing o : done) {
            if (nack != null) {
                o.result.completeExceptionally(new PublishException("publish to '" + o.exchange + "' on " + url
                        + " failed: " + nack, null));
            } else if (o.returned != null) {
                o.result.completeExceptionally(new PublishException("publish to '" + o.exchange + "' on " + url
                        + " failed: no subscription takes its messages (RabbitMQ: " + o.returned + "); a topic keeps "
                        + "messages only in its subscriptions' queues: subscribe first, or set dropUnroutable", null));
            } else {
                o.result.complete(o.id);
            }
        }
    }

    /** RabbitMQ returns an unroutable message before it confirms it: marked here, failed at the confirm. */
    private void returned(Channel ch, String messageId, String replyText) {
        synchronized (lock) {
            if (ch != channel) {
                return;
            }
            for (Outgoing o : unconfirmed.values()) {
                if (o.id.value().equals(messageId)) {
                    o.returned = replyText;
                    return;
                }
            }
        }
    }

    /**
     * The channel closed. With the connection (a network failure or a node going down), its unconfirmed sends wait
     * to go out again after the reconnect; a channel the broker closed for an error fails them and is replaced.
     */
    private void lost(Channel ch, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() && closed) {
            return;
        }
        List<Outgoing> failed = new ArrayList<>();
        synchronized (lock) {
            if (ch != channel) {
                return;
            }
            if (cause.isHardError()) {
                List<Outgoing> again = new ArrayList<>(unconfirmed.values());
                unconfirmed.clear();
                for (int i = again.size() - 1; i >= 0; i--) {
                    waiting.addFirst(again.get(i));
                }
                scheduleSweep();
            } else {
                failed.addAll(unconfirmed.values());
                unconfirmed.clear();
                declared.clear();   // perhaps an exchange deleted under us: declared again before the next send
                worker.execute(this::replaceChannel);
            }
        }
        String reason = RabbitErrors.replyText(cause);
        for (Outgoing o : failed) {
            o.result.completeExceptionally(errors.publish(new PublishException("RabbitMQ closed the publishing channel: "
                    + reason, cause), o.exchange));
        }
    }

    private void replaceChannel() {
        synchronized (lock) {
            if (closed || channel.isOpen()) {
                return;
            }
            try {
                channel = openChannel();
            } catch (IOException | RuntimeException e) {
                // the connection is down too: its recovery brings the channel back and flushes
                LOG.log(System.Logger.Level.DEBUG, "cannot reopen the publishing channel of " + url + " yet: " + e);
                return;
            }
        }
        flush();
    }

    /** Sends what waits, in order, once the connection is back; declares their exchanges first. */
    private void flush() {
        List<String> exchanges;
        synchronized (lock) {
            exchanges = waiting.stream().map(o -> o.exchange).distinct().filter(e -> !declared.contains(e)).toList();
        }
        for (String exchange : exchanges) {
            try {
                declareExchange.accept(exchange);
                declared.add(exchange);
            } catch (RuntimeException e) {
                return;   // down again: the next recovery flushes
            }
        }
        synchronized (lock) {
            while (!waiting.isEmpty() && !closed && channel.isOpen() && declared.contains(waiting.peekFirst().exchange)) {
                if (!send(waiting.pollFirst())) {
                    return;
                }
            }
        }
    }

    /** Fails waiting sends whose publish timeout passed; runs every 100 ms while any wait. Lock held. */
    private void scheduleSweep() {
        if (!sweepScheduled && !worker.isShutdown()) {
            sweepScheduled = true;
            worker.schedule(this::sweep, 100, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        List<Outgoing> expired = new ArrayList<>();
        boolean flushNeeded;
        synchronized (lock) {
            sweepScheduled = false;
            long now = System.nanoTime();
            for (Iterator<Outgoing> it = waiting.iterator(); it.hasNext(); ) {
                Outgoing o = it.next();
                if (now - o.deadlineNanos >= 0) {
                    it.remove();
                    expired.add(o);
                }
            }
            flushNeeded = !waiting.isEmpty() && channel.isOpen();
            if (!waiting.isEmpty()) {
                scheduleSweep();
            }
        }
        for (Outgoing o : expired) {
            o.result.completeExceptionally(new PublishTimeoutException("publish to '" + o.exchange + "' on " + url
                    + " timed out: the connection to RabbitMQ was down for the whole publish timeout", null));
        }
        if (flushNeeded) {
            flush();   // a recovery whose flush could not declare yet
        }
    }

    /** Fails every send still waiting or unconfirmed (the close timeout has passed) and closes the channel. */
    void close() {
        List<Outgoing> left = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            left.addAll(unconfirmed.values());
            left.addAll(waiting);
            unconfirmed.clear();
            waiting.clear();
        }
        for (Outgoing o : left) {
            o.result.completeExceptionally(new PublisherClosedException("publish to '" + o.exchange + "' on " + url
                    + " failed: the broker closed before RabbitMQ confirmed it"));
        }
        try {
            channel.abort();
        } catch (RuntimeException | IOException e) {
            // closing anyway
        }
    }
}
