package io.courier.examples.scenarios;

import io.courier.BacklogQuota;
import io.courier.BacklogQuotaExceededException;
import io.courier.Broker;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Use case 3, peak shaving: a flash sale of a fixed stock takes a burst of purchase requests into a queue with a
 * limit. Past the limit a request is refused at once with a clear "busy" answer; a single worker sells at its own
 * pace and answers every accepted request with "sold" or "sold out". Stock only changes in the worker, so it can never
 * be oversold. The limit is counted by the API (requests waiting for an answer), which is exact; the topic's backlog
 * quota stands behind it as the broker's safety net (Pulsar measures it coarsely, every second, in storage bytes).
 */
public final class PeakShaving implements AutoCloseable {
    public static final String TOPIC = "flash-sale.requests";
    public static final String SUBSCRIPTION = "sale-worker";

    /** What a buyer is told. */
    public enum Outcome { QUEUED, BUSY, SOLD, SOLD_OUT }

    /** A purchase request. */
    public record Purchase(String requestId, String buyer) {
    }

    private final Broker broker;
    private final MessageServer worker;
    private final Map<String, Outcome> answers = new ConcurrentHashMap<>();
    /** Requests whose buyer was told BUSY; one that reaches the queue anyway is dropped, never sold. */
    private final java.util.Set<String> toldBusy = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
    private final int maxWaiting;
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger mostWaiting = new java.util.concurrent.atomic.AtomicInteger();
    private int stock;
    private int sold;

    /**
     * @param maxWaiting      requests allowed to wait in the queue at once; past it the API answers BUSY at once
     * @param queueLimitBytes backlog quota of the request queue: the broker's own safety net behind {@code maxWaiting}
     * @param workPerRequest  how long the worker takes per request
     */
    public PeakShaving(Broker broker, int stock, int maxWaiting, long queueLimitBytes, Duration workPerRequest) {
        this.broker = broker;
        this.stock = stock;
        this.maxWaiting = maxWaiting;
        broker.admin().ensureTopic(TOPIC, 0);
        worker = MessageServer.builder(broker).name("sale-worker").build();
        worker.register(SubscribeOptions.builder(TOPIC, SUBSCRIPTION).type(SubscriptionType.EXCLUSIVE)
                .initialPosition(InitialPosition.EARLIEST).ordering(Ordering.STRICT).build(), Purchase.class, m -> {
                    LockSupport.parkNanos(workPerRequest.toNanos());
                    sell(m.payload());
                });
        worker.start();
        broker.admin().setBacklogQuota(TOPIC, BacklogQuota.ofBytes(queueLimitBytes));
    }

    /** The request API: QUEUED when the request is in the queue (the worker answers later), else BUSY at once. */
    public Outcome request(Purchase p) {
        int now = waiting.incrementAndGet();
        if (now > maxWaiting) {
            waiting.decrementAndGet();
            return Outcome.BUSY;
        }
        mostWaiting.accumulateAndGet(now, Math::max);
        try {
            broker.publish(Envelope.builder(TOPIC, p).key(p.buyer()).build());
            return Outcome.QUEUED;
        } catch (BacklogQuotaExceededException e) {
            waiting.decrementAndGet();
            // a refused publish may still have been stored (the broker cut the producer off before confirming):
            // remember the answer so the worker never sells to a buyer who was told busy
            toldBusy.add(p.requestId());
            return Outcome.BUSY;
        }
    }

    private synchronized void sell(Purchase p) {
        if (answers.containsKey(p.requestId())) {
            return;   // a redelivered request was answered already
        }
        if (toldBusy.contains(p.requestId())) {
            dropped.incrementAndGet();
            return;
        }
        waiting.decrementAndGet();
        if (stock > 0) {
            stock--;
            sold++;
            answers.put(p.requestId(), Outcome.SOLD);
        } else {
            answers.put(p.requestId(), Outcome.SOLD_OUT);
        }
    }

    /** The worker's answer to a queued request, or null while it waits in the queue. */
    public Outcome answer(String requestId) {
        return answers.get(requestId);
    }

    public Map<String, Outcome> answers() {
        return Map.copyOf(answers);
    }

    /** The admission bound: most requests allowed to wait in the queue at once. */
    public int maxWaiting() {
        return maxWaiting;
    }

    /** The most requests that ever waited in the queue at once (never above {@link #maxWaiting()}). */
    public int mostWaiting() {
        return mostWaiting.get();
    }

    /** Requests waiting in the queue for the worker's answer now. */
    public int waiting() {
        return waiting.get();
    }

    /** Requests that reached the queue although their buyer had been told busy; dropped unsold. */
    public int droppedAfterBusy() {
        return dropped.get();
    }

    public synchronized int sold() {
        return sold;
    }

    @Override
    public void close() {
        worker.stop(Duration.ofSeconds(10));
        broker.admin().removeBacklogQuota(TOPIC);
    }

    /** A burst of purchase requests sent at once from several buyers, and what they were told. */
    public record Burst(java.util.List<String> queued, java.util.List<String> busy) {
        /** Sends {@code requests} requests from {@code buyers} threads at once and waits for every first answer. */
        public static Burst of(PeakShaving sale, int requests, int buyers) {
            java.util.List<String> queued = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.List<String> busy = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            for (int b = 0; b < buyers; b++) {
                String buyer = "buyer-" + b;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i; (i = next.getAndIncrement()) < requests; ) {
                        String id = "r-" + i;
                        (sale.request(new Purchase(id, buyer)) == Outcome.QUEUED ? queued : busy).add(id);
                    }
                }, "buyer-" + b);
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return new Burst(java.util.List.copyOf(queued), java.util.List.copyOf(busy));
        }
    }
}
