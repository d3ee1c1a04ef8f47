package io.courier.bench;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.Ordering;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.core.MessageServer;
import io.courier.otel.CourierTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Bytes allocated per message on {@code memory://}, publish to handler, by every thread of the JVM: a bare
 * subscription, a {@code MessageServer} without middleware (what a service without OpenTelemetry runs), and one with
 * Courier's OpenTelemetry middleware on a no-op OpenTelemetry.
 */
final class AllocationBench {
    private static final byte[] PAYLOAD = new byte[100];

    static void run(int n, int rounds) {
        Results results = new Results();
        for (int round = 1; round <= rounds; round++) {
            try (Broker broker = Brokers.open("memory://alloc")) {
                results.record("bytes/msg: bare subscription", round, run(broker, n, Mode.BARE));
                results.record("bytes/msg: MessageServer, no middleware", round, run(broker, n, Mode.SERVER));
                results.record("bytes/msg: MessageServer + OpenTelemetry middleware (no-op SDK)", round,
                        run(broker, n, Mode.OTEL));
            }
        }
        String table = String.format(Locale.ROOT, "%,d messages per run, %d rounds, bytes allocated per message by all "
                + "threads; %d cores, Java %s, %s.%n%n", n, rounds, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), java.time.LocalDate.now()) + results.table();
        System.out.println(table);
        Fragments.section("alloc", table);
    }

    private enum Mode { BARE, SERVER, OTEL }

    private static double run(Broker plain, int n, Mode mode) {
        String topic = "alloc-" + UUID.randomUUID();
        LongAdder handled = new LongAdder();
        SubscribeOptions options = SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST)
                .ordering(Ordering.STRICT).build();
        CourierTelemetry telemetry = CourierTelemetry.builder(OpenTelemetry.noop()).build();
        Broker broker = mode == Mode.OTEL ? telemetry.instrument(plain) : plain;
        Subscription bare = null;
        MessageServer server = null;
        if (mode == Mode.BARE) {
            bare = broker.subscribe(options, byte[].class, m -> handled.increment());
        } else {
            MessageServer.Builder b = MessageServer.builder(broker);
            if (mode == Mode.OTEL) {
                b.use(telemetry.middleware());
            }
            server = b.build();
            server.register(options, byte[].class, m -> handled.increment());
            server.start();
        }
        long before = Results.allocated();
        for (int i = 0; i < n; i++) {
            broker.publishAsync(Envelope.builder(topic, PAYLOAD).codec("bytes").build());
        }
        while (handled.sum() < n) {
            LockSupport.parkNanos(200_000);
        }
        long bytes = Results.allocated() - before;
        if (bare != null) {
            bare.close(Duration.ofSeconds(5));
        } else {
            server.stop(Duration.ofSeconds(5));
        }
        return bytes / (double) n;
    }

    private AllocationBench() {
    }
}
