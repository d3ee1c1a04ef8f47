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
 * Courier's OpenTelemetry middleware on a no-op OpenTelemetry. Argument: messages per run (200000).
 */
public final class AllocationBench {
    private static final byte[] PAYLOAD = new byte[100];

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        for (int round = 1; round <= 3; round++) {
            try (Broker broker = Brokers.open("memory://alloc")) {
                report(round, "bare subscription", run(broker, n, Mode.BARE));
                report(round, "MessageServer, no middleware", run(broker, n, Mode.SERVER));
                report(round, "MessageServer + OpenTelemetry (no-op SDK)", run(broker, n, Mode.OTEL));
            }
        }
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

    private static void report(int round, String what, double bytesPerMessage) {
        System.out.printf(Locale.ROOT, "round %d  %-44s %8.0f bytes allocated per message%n", round, what, bytesPerMessage);
    }

    private AllocationBench() {
    }
}
