package io.courier.console;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.courier.Broker;
import io.courier.CourierException;
import io.courier.StoredMessage;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionInfo;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.DeadLetters;
import io.courier.core.MessageServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The console's pages: what the broker's admin API and the embedded service's servers say, rendered by the templates
 * compiled at build time (every value through their HTML escaping). A failed admin call shows on the page beside what
 * could be read. Thread-safe; calls may block on the broker.
 */
final class ConsolePages {
    /** How long a dead-letter page waits for letters to arrive from the broker. */
    static final Duration LETTER_WAIT = Duration.ofSeconds(5);
    private static final int LETTERS_SHOWN = 200;

    private final Broker broker;
    private final List<MessageServer> services;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html,
            ConsolePages.class.getClassLoader(), "io.courier.console.pages");

    ConsolePages(Broker broker, List<MessageServer> services) {
        this.broker = broker;
        this.services = services;
    }

    Page overview(View view) {
        return ok("overview", topicsModel(view));
    }

    /** The topics table alone, for the overview's live refresh. */
    Page topicsFragment(View view) {
        Map<String, Object> m = topicsModel(view);
        m.remove("view");
        return ok("topicsTable", m);
    }

    Page topic(View view, String topic, int latestCount) {
        Map<String, Object> m = subscriptionsModel(topic);
        m.put("view", view);
        m.put("topic", topic);
        m.put("latestCount", latestCount);
        try {
            m.put("latest", broker.admin().peek(topic, latestCount));
            m.put("latestProblem", null);
        } catch (CourierException e) {
            m.put("latest", List.<StoredMessage>of());
            m.put("latestProblem", cannot("show the latest messages", e));
        }
        return ok("topic", m);
    }

    /** A topic's subscriptions table alone, for the topic page's live refresh. */
    Page subscriptionsFragment(String topic) {
        return ok("subscriptionsTable", subscriptionsModel(topic));
    }

    /**
     * The broker's messages in and out per second summed over its topics, as JSON for the chart; {@code kept} is false
     * where the backend keeps no rates.
     */
    Page rates() {
        double in = 0;
        double out = 0;
        boolean kept = false;
        try {
            for (TopicInfo t : broker.admin().topics()) {
                if (t.rateIn().isPresent()) {
                    kept = true;
                    in += t.rateIn().getAsDouble();
                    out += t.rateOut().orElse(0);
                }
            }
        } catch (CourierException e) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, cannot("read the rates", e));
        }
        String json = String.format(Locale.ROOT, "{\"time\":%d,\"in\":%.3f,\"out\":%.3f,\"kept\":%b,\"backend\":\"%s\"}",
                System.currentTimeMillis() / 1000, in, out, kept, broker.capabilities().backend().replaceAll("[^A-Za-z0-9_-]", ""));
        return new Page(HttpStatus.OK_200, json, "application/json");
    }

    Page deadLetterTopics(View view) {
        Map<String, Object> m = new HashMap<>();
        m.put("view", view);
        List<DeadLetterTopic> topics = new ArrayList<>();
        try {
            for (TopicInfo t : broker.admin().topics()) {
                if (t.isDeadLetterTopic()) {
                    topics.add(new DeadLetterTopic(t.name(), pending(t), t.published()));
                }
            }
            m.put("problem", null);
        } catch (CourierException e) {
            m.put("problem", cannot("list the dead-letter topics", e));
        }
        m.put("topics", topics);
        return ok("deadLetterTopics", m);
    }

    /** The letters still pending on a dead-letter topic, up to 200. */
    Page letters(View view, String topic) {
        if (!topic.endsWith("-DLQ")) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "'" + topic + "' is not a dead-letter topic (its name would end in -DLQ)");
        }
        List<DeadLetters.Letter> letters;
        try {
            letters = DeadLetters.of(broker, topic).read(LETTERS_SHOWN, LETTER_WAIT);
        } catch (CourierException e) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, cannot("read the letters of " + topic, e));
        }
        return ok("deadLetters", Map.of("view", view, "topic", topic, "letters", letters));
    }

    /** The message servers of the service the console is embedded in, with each subscription's health and lag. */
    Page services(View view) {
        List<ServiceView> views = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            MessageServer s = services.get(i);
            List<ServiceView.Row> rows = new ArrayList<>();
            for (SubscriptionHealth h : s.health()) {
                rows.add(new ServiceView.Row(h, lag(h)));
            }
            views.add(new ServiceView(i, s.name(), s.state().toString(), s.isReady(), s.isLive(), rows));
        }
        return ok("service", Map.of("view", view, "services", views));
    }

    /** The sign-in page, saying nothing about the broker. */
    Page login(View view, String message) {
        View anonymous = new View("", "", view.csrf(), null, null, view.refreshSeconds(), view.payloads());
        return new Page(HttpStatus.UNAUTHORIZED_401, render("login",
                Map.of("view", message == null ? anonymous : anonymous.withMessage(message, false))));
    }

    /** A page holding only {@code message}, an error, with {@code status}. */
    Page message(View view, int status, String message) {
        return new Page(status, render("message", Map.of("view", view.withMessage(message, false))));
    }

    /** What the page says when the broker could not do {@code what}: the backend's name when it lacks the feature. */
    String cannot(String what, CourierException e) {
        if (e instanceof UnsupportedFeatureException) {
            return broker.capabilities().backend() + " cannot " + what + ": " + e.getMessage();
        }
        return "cannot " + what + ": " + e.getMessage();
    }

    private Map<String, Object> topicsModel(View view) {
        Map<String, Object> m = new HashMap<>();
        m.put("view", view);
        try {
            m.put("topics", broker.admin().topics());
            m.put("problem", null);
        } catch (CourierException e) {
            m.put("topics", List.of());
            m.put("problem", cannot("list the topics", e));
        }
        return m;
    }

    private Map<String, Object> subscriptionsModel(String topic) {
        Map<String, Object> m = new HashMap<>();
        try {
            m.put("subscriptions", broker.admin().subscriptions(topic));
            m.put("problem", null);
        } catch (CourierException e) {
            m.put("subscriptions", List.<SubscriptionInfo>of());
            m.put("problem", cannot("list the subscriptions", e));
        }
        return m;
    }

    /** The backlog of the dead-letter subscription; every letter kept, until that subscription first reads. */
    private OptionalLong pending(TopicInfo t) {
        for (SubscriptionInfo s : broker.admin().subscriptions(t.name())) {
            if (s.name().equals(DeadLetters.DEFAULT_SUBSCRIPTION)) {
                return OptionalLong.of(s.backlog());
            }
        }
        return t.published();
    }

    private String lag(SubscriptionHealth h) {
        try {
            return Long.toString(broker.admin().backlog(h.topic(), h.subscription()));
        } catch (CourierException e) {
            return Format.NOT_KEPT;   // a pattern subscription, or a backend that cannot tell
        }
    }

    private Page ok(String template, Map<String, Object> model) {
        return new Page(HttpStatus.OK_200, render(template, model));
    }

    private String render(String template, Map<String, Object> model) {
        StringOutput out = new StringOutput();
        templates.render(template + ".jte", model, out);
        return out.toString();
    }
}
