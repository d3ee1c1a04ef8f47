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
 * Runs on {@code memory://quickstart} by default; arguments: {@code [broker-url] [message-count]}.
 */
public final class QuickstartMain {

    /** What a run did. */
    public record Result(int published, int stored, Duration elapsed) {
        double perSecond() {
            return stored / (elapsed.toNanos() / 1e9);
        }
    }

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        String url = args.length > 0 ? args[0] : "memory://quickstart";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Result r = run(url, count, Duration.ofSeconds(60));
        System.out.printf("published %d, stored %d in %.2f s (%.0f msg/s) on %s%n", r.published(), r.stored(),
                r.elapsed().toNanos() / 1e9, r.perSecond(), url);
        if (r.stored() != r.published()) {
            System.exit(1);
        }
    }

    /** Starts the service, publishes {@code count} events through the data layer, waits for them, stops. */
    public static Result run(String url, int count, Duration timeout) {
        Broker broker = Brokers.open(url);
        EventSaver saver = new EventSaver();
        MessageServer messages = MessageServer.builder(broker).ownsBroker(true).build();
        messages.register(SubscribeOptions.builder(ReportRepository.TOPIC, "logger-saver")
                .type(SubscriptionType.SHARED).concurrency(4).build(), ReportEvent.class, saver::handle);
        App app = App.builder().name("quickstart").version("0.1.0").server(messages).handleSignals(false).build();
        app.start();
        try {
            ReportRepository repository = new ReportRepository(broker);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                repository.save(new ReportEvent("page_view", "user-" + (i % 100), "{\"page\":" + i + "}", Instant.now()));
            }
            long deadline = start + timeout.toNanos();
            while (saver.stored() < count && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            }
            return new Result(count, saver.stored(), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            app.stop();
        }
    }

    private QuickstartMain() {
    }
}
