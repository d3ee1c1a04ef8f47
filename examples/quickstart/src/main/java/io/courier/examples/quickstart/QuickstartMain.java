package io.courier.examples.quickstart;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionType;
import io.courier.core.App;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * Courier in one screen: a data layer publishes, a {@link MessageServer} hosted by an {@link App} subscribes.
 * Runs on {@code memory://} by default; pass another broker URL as the first argument.
 */
public final class QuickstartMain {

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "memory://quickstart";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;

        Broker broker = Brokers.open(url);
        EventSaver saver = new EventSaver();
        MessageServer messages = MessageServer.builder(broker).ownsBroker(true).build();
        messages.register(SubscribeOptions.builder(ReportRepository.TOPIC, "logger-saver")
                .type(SubscriptionType.SHARED).concurrency(4).build(), ReportEvent.class, saver::handle);
        App app = App.builder().name("quickstart").version("0.1.0").server(messages).build();
        app.start();

        ReportRepository repository = new ReportRepository(broker);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            repository.save(new ReportEvent("page_view", "user-" + (i % 100), "{\"page\":" + i + "}", Instant.now()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (saver.stored() < count && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("published %d, stored %d in %.2f s (%.0f msg/s) on %s%n", count, saver.stored(), seconds,
                saver.stored() / seconds, broker.url());
        app.stop();
        if (saver.stored() != count) {
            System.exit(1);
        }
    }

    private QuickstartMain() {
    }
}
