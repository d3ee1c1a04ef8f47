package io.courier.examples.scenarios;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Use case 4, messaging. Point to point: a work queue where each job goes to exactly one of the workers (one Shared
 * subscription). Publish/subscribe: a chat room where every member has a subscription of its own and receives every
 * message, in the order it was sent.
 */
public final class Messaging implements AutoCloseable {
    public static final String JOBS = "work.jobs";
    public static final String ROOM = "chat.room.general";

    /** A chat line. */
    public record ChatLine(String from, int seq, String text) {
    }

    private final Broker broker;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> jobsByWorker = new ConcurrentHashMap<>();
    private final Map<String, List<ChatLine>> linesByMember = new ConcurrentHashMap<>();

    public Messaging(Broker broker) {
        this.broker = broker;
    }

    public void startWorker(String name) {
        jobsByWorker.put(name, new CopyOnWriteArrayList<>());
        subscriptions.add(broker.subscribe(SubscribeOptions.builder(JOBS, "workers").type(SubscriptionType.SHARED)
                .initialPosition(InitialPosition.EARLIEST).maxInFlight(5).build(), String.class,
                m -> jobsByWorker.get(name).add(m.payload())));
    }

    public void submitJob(String job) {
        broker.publish(Envelope.of(JOBS, job));
    }

    public void join(String member) {
        linesByMember.put(member, new CopyOnWriteArrayList<>());
        subscriptions.add(broker.subscribe(SubscribeOptions.builder(ROOM, "member-" + member)
                .type(SubscriptionType.EXCLUSIVE).ordering(Ordering.STRICT).initialPosition(InitialPosition.LATEST).build(),
                ChatLine.class, (Message<ChatLine> m) -> linesByMember.get(member).add(m.payload())));
    }

    public void say(String from, int seq, String text) {
        broker.publish(Envelope.builder(ROOM, new ChatLine(from, seq, text)).key(ROOM).build());
    }

    public Map<String, List<String>> jobsByWorker() {
        Map<String, List<String>> copy = new ConcurrentHashMap<>();
        jobsByWorker.forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
        return copy;
    }

    public List<ChatLine> linesSeenBy(String member) {
        return new ArrayList<>(linesByMember.get(member));
    }

    @Override
    public void close() {
        subscriptions.forEach(s -> s.close(Duration.ofSeconds(5)));
    }
}
