package io.courier.testkit;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscriber a backend's consumer-crash test SIGKILLs, in a child JVM: a SHARED subscription that handles the first
 * {@code handleFirst} messages and then holds every handler for good. Arguments: {@code url topic subscription
 * concurrency handleFirst}. Prints {@code READY}, {@code HANDLED <key>} as a handler returns, {@code HELD <key>} as
 * one blocks.
 */
public final class CrashingSubscriber {
    private CrashingSubscriber() {
    }

    public static void main(String[] args) throws InterruptedException {
        int concurrency = Integer.parseInt(args[3]);
        int handleFirst = Integer.parseInt(args[4]);
        AtomicInteger handled = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        Broker broker = Brokers.open(args[0]);
        broker.subscribe(SubscribeOptions.builder(args[1], args[2]).type(SubscriptionType.SHARED)
                .ordering(Ordering.UNORDERED).concurrency(concurrency).maxInFlight(concurrency).build(), byte[].class, m -> {
                    String key = m.key().orElseThrow();
                    if (handled.getAndIncrement() >= handleFirst) {
                        System.out.println("HELD " + key);
                        never.await();
                    }
                    System.out.println("HANDLED " + key);
                });
        System.out.println("READY");
        never.await();
    }
}
