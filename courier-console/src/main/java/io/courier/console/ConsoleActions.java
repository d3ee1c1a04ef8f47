package io.courier.console;

import io.courier.Broker;
import io.courier.CourierException;
import io.courier.Envelope;
import io.courier.UnsupportedFeatureException;
import io.courier.core.DeadLetters;
import io.courier.core.MessageServer;
import java.time.Instant;
import java.util.List;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.Fields;

/**
 * What the console's forms do: publish, move a subscription, replay or discard dead letters, pause or resume a
 * service's server. Each checks its whole form before acting (a wrong value is a {@link Refused} 400 and nothing is
 * done), asks for a ticked confirmation where the action cannot be undone, and answers with the page it acted on and
 * its outcome. Thread-safe.
 */
final class ConsoleActions {
    private static final int MAX_PAYLOAD_CHARS = 1 << 20;

    private final Broker broker;
    private final List<MessageServer> services;
    private final ConsolePages pages;

    ConsoleActions(Broker broker, List<MessageServer> services, ConsolePages pages) {
        this.broker = broker;
        this.services = services;
        this.pages = pages;
    }

    /** A json or text payload, with an optional key; at most 1 MiB (larger messages are published from code). */
    Page publish(Fields form, View view) {
        String topic = Params.topic(form.getValue("topic"));
        String payload = form.getValue("payload");
        if (payload == null || payload.isEmpty()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "nothing to publish: the payload is empty");
        }
        if (payload.length() > MAX_PAYLOAD_CHARS) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "the payload is over 1 MiB; publish large messages from code");
        }
        String format = form.getValue("format") == null ? "json" : form.getValue("format");
        Envelope.Builder e;
        switch (format) {
            case "json" -> {
                try {
                    e = Envelope.builder(topic, Json.parse(payload)).codec("json");
                } catch (IllegalArgumentException bad) {
                    throw new Refused(HttpStatus.BAD_REQUEST_400, bad.getMessage());
                }
            }
            case "text" -> e = Envelope.builder(topic, payload).codec("text");
            default -> throw new Refused(HttpStatus.BAD_REQUEST_400, "format must be json or text, got '" + format + "'");
        }
        String key = form.getValue("key");
        if (key != null && !key.isBlank()) {
            e.key(key);
        }
        String id;
        try {
            id = broker.publish(e.build()).value();
        } catch (CourierException failed) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, pages.cannot("publish to " + topic, failed));
        }
        return pages.topic(view.withMessage("published " + id + " to " + topic, true), topic, Params.DEFAULT_LATEST);
    }

    /** Skips N messages, the whole backlog, or resets to a time; only with the confirmation ticked. */
    Page move(Fields form, View view) {
        String topic = Params.topic(form.getValue("topic"));
        String subscription = form.getValue("subscription");
        if (subscription == null || subscription.isBlank()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no subscription given");
        }
        if (!"yes".equals(form.getValue("confirm"))) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "moving a subscription skips or repeats messages: tick the "
                    + "confirmation first; nothing was moved");
        }
        String action = String.valueOf(form.getValue("action"));
        String done;
        try {
            switch (action) {
                case "skip" -> {
                    long n = Params.skipCount(form.getValue("count"));
                    broker.admin().skip(topic, subscription, n);
                    done = "skipped " + n + " message(s) of " + subscription;
                }
                case "skip-all" -> {
                    broker.admin().skipAll(topic, subscription);
                    done = "skipped the whole backlog of " + subscription;
                }
                case "reset" -> {
                    Instant time = Params.time(form.getValue("time"));
                    broker.admin().resetCursor(topic, subscription, time);
                    done = "reset " + subscription + " to the messages published from " + time + " on";
                }
                default -> throw new Refused(HttpStatus.BAD_REQUEST_400, "action must be skip, skip-all or reset, got '" + action + "'");
            }
        } catch (CourierException e) {
            throw new Refused(e instanceof UnsupportedFeatureException ? HttpStatus.BAD_REQUEST_400 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    pages.cannot("move " + subscription, e));
        }
        return pages.topic(view.withMessage(done, true), topic, Params.DEFAULT_LATEST);
    }

    /**
     * Replays ({@code replay}) or discards the selected letters, or all of them; discarding only with the confirmation
     * ticked. Letters settled meanwhile by someone else are counted, not an error.
     */
    Page settle(Fields form, View view, boolean replay) {
        String topic = Params.topic(form.getValue("topic"));
        boolean all = "all".equals(form.getValue("scope"));
        List<String> ids = form.getValuesOrEmpty("id");
        if (!all && ids.isEmpty()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no letter selected: tick the letters first, nothing was done");
        }
        if (!replay && !"yes".equals(form.getValue("confirm"))) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "discarding is for good: tick the confirmation first; nothing was discarded");
        }
        DeadLetters letters = DeadLetters.of(broker, topic);
        List<String> selected = all ? List.of() : ids;
        List<DeadLetters.Letter> done;
        try {
            done = replay ? letters.replay(selected, ConsolePages.LETTER_WAIT) : letters.discard(selected, ConsolePages.LETTER_WAIT);
        } catch (CourierException e) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, pages.cannot((replay ? "replay" : "discard") + " letters of " + topic, e));
        }
        String outcome = done.size() + " letter(s) " + (replay ? "replayed to their original topic" : "discarded");
        if (!all && done.size() < ids.size()) {
            outcome += "; " + (ids.size() - done.size()) + " selected were no longer pending";
        }
        return pages.letters(view.withMessage(outcome, true), topic);
    }

    /** Pauses or resumes the service's server at the form's index. */
    Page steer(Fields form, View view, boolean pause) {
        int index;
        try {
            index = Integer.parseInt(String.valueOf(form.getValue("server")));
        } catch (NumberFormatException e) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no such service server");
        }
        if (index < 0 || index >= services.size()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no such service server");
        }
        MessageServer s = services.get(index);
        if (pause) {
            s.pause();
        } else {
            s.resume();
        }
        return pages.services(view.withMessage((pause ? "paused " : "resumed ") + s.name(), true));
    }
}
