package io.courier.core;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.CourierException;
import io.courier.DeadLetter;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.InitialPosition;
import io.courier.PendingMessage;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.SubscriptionBusyException;
import io.courier.SubscriptionType;
import io.courier.UnsupportedFeatureException;
import io.courier.core.codec.BytesCodec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The dead letters of one dead-letter topic, to read, replay to their original topic, or discard: what the
 * {@code courier dlq} commands and the console's dead-letter page do.
 *
 * <p>A dead letter is pending while the durable subscription {@value #DEFAULT_SUBSCRIPTION} (or the one given) has not
 * acknowledged it; replaying or discarding one acknowledges it there, reading leaves it pending. The subscription is
 * made on first use and starts at the earliest message the broker still keeps. Each call opens it exclusively for the
 * time of the call, so two calls at once on the same topic fail with {@link io.courier.SubscriptionBusyException}
 * instead of handing the same letter to both.
 *
 * <p>A call reads until it has every pending letter (the subscription's backlog, where the backend counts it) or
 * until {@code wait} has passed with none arriving. On Kafka a subscription's position is one offset per partition:
 * a letter left pending before one that is replayed keeps the later one pending too, until it is settled itself.
 *
 * <p>A replay or discard returns once the broker counts its letters settled (up to 5 s after the last one; where the
 * backend counts a backlog), so that a call right after it does not find a replayed letter still pending and replay
 * it again. On Kafka, letters settled behind one left pending are not counted until it is: such a call waits the 5 s.
 *
 * <p>Immutable and thread-safe; holds no connection of its own (the broker is the caller's, and stays open).
 */
public final class DeadLetters {
    /** The subscription through which dead letters are read and settled, unless another is given. */
    public static final String DEFAULT_SUBSCRIPTION = DeadLetter.KEEPING_SUBSCRIPTION;

    private static final Duration QUIET = Duration.ofMillis(300);
    /** The longest a replay or discard waits for the broker to count its acknowledgements (see awaitSettled). */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(5);

    private final Broker broker;
    private final String topic;
    private final String subscription;

    private DeadLetters(Broker broker, String topic, String subscription) {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.subscription = Objects.requireNonNull(subscription, "subscription");
        if (topic.isBlank() || subscription.isBlank()) {
            throw new ConfigurationException("a dead-letter topic and subscription must not be blank");
        }
    }

    /** The dead letters of {@code deadLetterTopic}, settled through {@value #DEFAULT_SUBSCRIPTION}. */
    public static DeadLetters of(Broker broker, String deadLetterTopic) {
        return new DeadLetters(broker, deadLetterTopic, DEFAULT_SUBSCRIPTION);
    }

    /** The same topic settled through another subscription. */
    public DeadLetters throughSubscription(String name) {
        return new DeadLetters(broker, topic, name);
    }

    public String topic() {
        return topic;
    }

    /**
     * Up to {@code max} pending dead letters, oldest first; none is settled.
     *
     * @param wait how long to wait for letters that have not arrived yet (the first arrives after the subscription is
     *             open; an empty topic answers at once where the backend counts its backlog)
     */
    public List<Letter> read(int max, Duration wait) {
        if (max < 1) {
            throw new ConfigurationException("max must be at least 1, got " + max);
        }
        List<Letter> letters = new ArrayList<>();
        session(max, wait, (m, letter) -> {
            letters.add(letter);
            return false;
        });
        return letters;
    }

    /**
     * Publishes the pending letters with the given ids ({@link Letter#id()}; all of them when {@code ids} is empty)
     * to their original topic, with their payload, key, event time and headers as they were before dead-lettering
     * (the {@code courier-dlq-*} fields removed), then acknowledges each once its broker confirmed the publish.
     *
     * @return the letters replayed, in order; an id not found among the pending letters is not in it
     * @throws CourierException when a publish fails: letters replayed before it stay replayed, the rest stay pending
     */
    public List<Letter> replay(Collection<String> ids, Duration wait) {
        Set<String> wanted = Set.copyOf(ids);
        List<Letter> done = new ArrayList<>();
        session(Integer.MAX_VALUE, wait, (m, letter) -> {
            if (!wanted.isEmpty() && !wanted.contains(letter.id())) {
                return false;
            }
            if (letter.originalTopic().isEmpty()) {
                throw new ConfigurationException("dead letter " + letter.id() + " on '" + topic + "' has no "
                        + DeadLetter.ORIGINAL_TOPIC + " header: it was not dead-lettered by Courier; nothing replayed from here on");
            }
            Envelope.Builder e = Envelope.builder(letter.originalTopic().get(), m.payload()).codec(BytesCodec.NAME)
                    .headers(letter.originalHeaders());
            m.key().ifPresent(e::key);
            m.eventTime().ifPresent(e::eventTime);
            broker.publish(e.build());
            done.add(letter);
            return true;
        });
        return done;
    }

    /**
     * Acknowledges the pending letters with the given ids (all of them when {@code ids} is empty) without publishing
     * them anywhere: they are gone for this subscription.
     *
     * @return the letters discarded, in order
     */
    public List<Letter> discard(Collection<String> ids, Duration wait) {
        Set<String> wanted = Set.copyOf(ids);
        List<Letter> done = new ArrayList<>();
        session(Integer.MAX_VALUE, wait, (m, letter) -> {
            if (!wanted.isEmpty() && !wanted.contains(letter.id())) {
                return false;
            }
            done.add(letter);
            return true;
        });
        return done;
    }

    /** What to do with one letter: true acknowledges it, false leaves it pending. */
    private interface Decision {
        boolean settle(PendingMessage<byte[]> message, Letter letter);
    }

    private void session(int max, Duration wait, Decision decision) {
        Objects.requireNonNull(wait, "wait");
        LinkedBlockingQueue<PendingMessage<byte[]>> arrived = new LinkedBlockingQueue<>();
        SubscribeOptions options = SubscribeOptions.builder(topic, subscription).type(SubscriptionType.EXCLUSIVE)
                .initialPosition(InitialPosition.EARLIEST).codec(BytesCodec.NAME).concurrency(1).build();
        long deadline = System.nanoTime() + wait.toNanos();
        Subscription s;
        try {
            s = open(options, arrived, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CourierException("interrupted while opening the dead letters of '" + topic + "'", e);
        }
        long expected = -1;
        int settled = 0;
        try {
            expected = pending();
            int seen = 0;
            while (seen < max && (expected < 0 || seen < expected)) {
                if (expected == 0) {
                    break;
                }
                long left = deadline - System.nanoTime();
                // with a known backlog wait for all of it; without one stop once nothing came for a moment
                long slice = expected > 0 ? left : Math.min(left, seen == 0 ? left : QUIET.toNanos());
                PendingMessage<byte[]> m = slice <= 0 ? arrived.poll() : arrived.poll(slice, TimeUnit.NANOSECONDS);
                if (m == null) {
                    break;
                }
                seen++;
                if (decision.settle(m, Letter.of(m))) {
                    m.ack();
                    settled++;
                }
            }
            awaitSettled(expected, settled);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CourierException("interrupted while reading dead letters from '" + topic + "'", e);
        } finally {
            // letters left pending are not acknowledged: the broker keeps them for the next call
            s.close(Duration.ZERO);
        }
    }

    /**
     * Waits (at most {@link #SETTLE_WAIT}) until the broker counts {@code settled} fewer pending letters than the
     * {@code expected} it counted before: acknowledgements are sent asynchronously, and a call that returned before the
     * broker applied them let the next call see a replayed letter as pending and replay it a second time. Where the
     * backend does not count its backlog ({@code expected} -1) there is nothing to wait for.
     */
    private void awaitSettled(long expected, int settled) throws InterruptedException {
        if (expected < 0 || settled == 0) {
            return;
        }
        long deadline = System.nanoTime() + SETTLE_WAIT.toNanos();
        while (pending() > expected - settled && System.nanoTime() - deadline < 0) {
            TimeUnit.MILLISECONDS.sleep(20);   // polled: the backend gives no receipt for an acknowledgement
        }
    }

    /**
     * Opens the subscription, trying again while it is busy until {@code deadline}: a broker holds it for a moment when
     * it makes it before a topic's first dead letter, and another reader may be finishing its call.
     */
    private Subscription open(SubscribeOptions options, LinkedBlockingQueue<PendingMessage<byte[]>> arrived, long deadline)
            throws InterruptedException {
        while (true) {
            try {
                return broker.subscribeManualAck(options, byte[].class, arrived::add);
            } catch (SubscriptionBusyException busy) {
                if (System.nanoTime() - deadline > 0) {
                    throw busy;
                }
                TimeUnit.MILLISECONDS.sleep(20);   // the holder lets go within milliseconds
            }
        }
    }

    /** The subscription's backlog, or -1 where the backend does not count it. */
    private long pending() {
        try {
            return broker.admin().backlog(topic, subscription);
        } catch (UnsupportedFeatureException e) {
            return -1;
        }
    }

    /**
     * One dead letter: the message as the dead-letter topic holds it, and the {@code courier-dlq-*} fields read.
     * Fields a message lacks (not dead-lettered by Courier) are empty.
     *
     * @param id             its id on the dead-letter topic (what replay and discard select by)
     * @param publishTime    when it was dead-lettered, as the broker stamped it
     * @param key            its key
     * @param headers        every header, the {@code courier-dlq-*} fields included
     * @param payload        the payload exactly as published
     * @param reason         {@link DeadLetter#REASON}
     * @param originalTopic  {@link DeadLetter#ORIGINAL_TOPIC}
     * @param subscription   {@link DeadLetter#SUBSCRIPTION}
     * @param originalId     {@link DeadLetter#MESSAGE_ID}
     * @param attempts       {@link DeadLetter#ATTEMPTS}
     * @param exceptionClass {@link DeadLetter#EXCEPTION_CLASS}
     * @param exceptionMessage {@link DeadLetter#EXCEPTION_MESSAGE}
     * @param deadLetteredAt {@link DeadLetter#TIME}
     */
    public record Letter(String id, Instant publishTime, Optional<String> key, Headers headers, byte[] payload,
                         Optional<String> reason, Optional<String> originalTopic, Optional<String> subscription,
                         Optional<String> originalId, Optional<Integer> attempts, Optional<String> exceptionClass,
                         Optional<String> exceptionMessage, Optional<Instant> deadLetteredAt) {

        static Letter of(PendingMessage<byte[]> m) {
            Headers h = m.headers();
            return new Letter(m.id().value(), m.publishTime(), m.key(), h, m.payload(), h.find(DeadLetter.REASON),
                    h.find(DeadLetter.ORIGINAL_TOPIC), h.find(DeadLetter.SUBSCRIPTION), h.find(DeadLetter.MESSAGE_ID),
                    h.find(DeadLetter.ATTEMPTS).flatMap(Letter::integer), h.find(DeadLetter.EXCEPTION_CLASS),
                    h.find(DeadLetter.EXCEPTION_MESSAGE), h.find(DeadLetter.TIME).flatMap(Letter::instant));
        }

        /** The headers the message had before it was dead-lettered: every {@code courier-dlq-*} field removed. */
        public Headers originalHeaders() {
            Headers.Builder b = Headers.builder();
            for (String name : headers.names()) {
                if (!name.startsWith("courier-dlq-")) {
                    b.put(name, headers.get(name));
                }
            }
            return b.build();
        }

        private static Optional<Integer> integer(String text) {
            try {
                return Optional.of(Integer.parseInt(text));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        private static Optional<Instant> instant(String text) {
            try {
                return Optional.of(Instant.parse(text));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }
}
