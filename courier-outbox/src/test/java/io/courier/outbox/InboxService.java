package io.courier.outbox;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Handler;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import java.sql.PreparedStatement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The consumer {@link OutboxFaultScenarios} SIGKILLs, in a child JVM: a subscription whose handler inserts one row
 * per message (no unique key: a second run shows) through an {@link Inbox}, and which, right after its
 * {@code killAfter}-th commit (0: never), SIGKILLs its own JVM before the message is acknowledged. Arguments:
 * {@code brokerUrl jdbcUrl topic subscription killAfter SHARED|EXCLUSIVE}. Prints {@code READY}, {@code KILLING <n>} just before
 * the kill, and {@code DUPLICATE <n>} for a delivery the inbox acknowledged without running the handler.
 */
public final class InboxService {
    private InboxService() {
    }

    public static void main(String[] args) throws Exception {
        int killAfter = Integer.parseInt(args[4]);
        AtomicInteger commits = new AtomicInteger();
        Inbox inbox = Inbox.builder(DataSources.pool(args[1], 8)).build();
        ThreadLocal<Boolean> ran = ThreadLocal.withInitial(() -> false);
        Handler<Long> effect = inbox.handler((c, m) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO effects (n) VALUES (?)")) {
                ps.setLong(1, m.payload());
                ps.executeUpdate();
            }
            ran.set(true);
        });
        Broker broker = Brokers.open(args[0]);
        broker.subscribe(SubscribeOptions.builder(args[2], args[3]).type(SubscriptionType.valueOf(args[5]))
                .ordering(Ordering.UNORDERED).concurrency(4).build(), Long.class, m -> {
                    ran.set(false);
                    effect.handle(m);   // committed here: the effect and the inbox record
                    if (!ran.get()) {
                        System.out.println("DUPLICATE " + m.payload());
                    } else if (commits.incrementAndGet() == killAfter) {
                        System.out.println("KILLING " + m.payload());
                        System.out.flush();
                        new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                    }
                });
        System.out.println("READY");
        new CountDownLatch(1).await();
    }
}
