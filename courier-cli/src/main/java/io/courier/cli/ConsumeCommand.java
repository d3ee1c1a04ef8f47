package io.courier.cli;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.Headers;
import io.courier.InitialPosition;
import io.courier.Message;
import io.courier.PendingMessage;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code courier consume URL TOPIC -s SUBSCRIPTION}: prints messages as they arrive, one line each, decoded by their
 * content type (JSON and text as they are, anything else as base64), until Ctrl-C or {@code --count} messages.
 * The subscription is durable, as every Courier subscription: name one you mean to keep, or reuse it.
 */
@Command(name = "consume", aliases = "tail", mixinStandardHelpOptions = true,
        description = {"Print a topic's messages as they arrive, through a named (durable) subscription.",
                "Each line: publish time, id, key, headers, payload (JSON and text as they are, other content as base64)."})
final class ConsumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerConnection broker;

    @Parameters(index = "1", paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = {"-s", "--subscription"}, required = true, paramLabel = "NAME",
            description = "The subscription to read through (made if missing, kept afterwards).")
    String subscription;

    @Option(names = "--from", paramLabel = "POSITION", defaultValue = "latest",
            description = "Where a new subscription starts: earliest or latest (default ${DEFAULT-VALUE}).")
    InitialPosition from;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N messages (default: follow until Ctrl-C).")
    Integer count;

    @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS",
            description = "With --count: fail if the messages have not all arrived by then (default: wait as long as it takes).")
    Integer waitSeconds;

    @Override
    public Integer call() throws Exception {
        if (count != null && count < 1) {
            throw new ConfigurationException("--count must be at least 1, got " + count);
        }
        if (waitSeconds != null && waitSeconds < 1) {
            throw new ConfigurationException("--wait must be at least 1 second, got " + waitSeconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch done = new CountDownLatch(count == null ? 1 : count);
        AtomicInteger printed = new AtomicInteger();
        Broker b = broker.open();
        Thread stop = new Thread(b::close, "courier-consume-stop");
        Runtime.getRuntime().addShutdownHook(stop);   // Ctrl-C: close the subscription without unsubscribing
        try {
            SubscribeOptions options = SubscribeOptions.builder(topic, subscription).initialPosition(from).codec("bytes")
                    .concurrency(1).build();
            // acknowledged once printed; past --count a message is left unsettled, so the next reader gets it
            Subscription s = b.subscribeManualAck(options, byte[].class, (PendingMessage<byte[]> m) -> {
                if (count != null && printed.get() >= count) {
                    return;
                }
                synchronized (out) {
                    out.println(line(m));
                    out.flush();
                }
                m.ack();
                printed.incrementAndGet();
                if (count != null) {
                    done.countDown();
                }
            });
            if (count == null) {
                done.await();   // never counted down: until Ctrl-C, whose shutdown hook closes the broker
                return 0;
            }
            boolean all = waitSeconds == null ? await(done) : done.await(waitSeconds, TimeUnit.SECONDS);
            // every printed message is acknowledged already; one received past --count stays unsettled on purpose,
            // so waiting for it would only hold the command for the whole close timeout
            s.close(java.time.Duration.ZERO);
            if (!all) {
                throw new IllegalStateException(printed.get() + " of " + count + " messages arrived within " + waitSeconds + " s");
            }
            return 0;
        } finally {
            b.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        latch.await();
        return true;
    }

    static String line(Message<byte[]> m) {
        return line(m.publishTime(), m.id().value(), m.key(), m.headers(), m.payload());
    }

    /** publish time, id, key, headers but the content type, payload rendered by that content type */
    static String line(java.time.Instant publishTime, String id, java.util.Optional<String> key, Headers h, byte[] payload) {
        StringJoiner headers = new StringJoiner(", ", "{", "}");
        for (String name : h.sortedByName().names()) {
            if (!name.equals(Headers.CONTENT_TYPE)) {
                headers.add(name + "=" + h.get(name));
            }
        }
        return publishTime + " " + id + " key=" + key.orElse("-") + " " + headers + " "
                + render(payload, h.get(Headers.CONTENT_TYPE));
    }

    /** JSON and text as UTF-8; anything else (or bytes that are not UTF-8) as base64, said so. */
    static String render(byte[] payload, String contentType) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("application/json") || type.startsWith("text/") || type.endsWith("+json")) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(payload)).toString().replace("\n", "\\n");
            } catch (CharacterCodingException e) {
                // not the text it claims: fall through to base64
            }
        }
        return "base64:" + Base64.getEncoder().encodeToString(payload) + (type.isEmpty() ? "" : " (" + contentType + ")");
    }
}
