package io.courier.console;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.courier.Broker;
import io.courier.CourierException;
import io.courier.Envelope;
import io.courier.StoredMessage;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionInfo;
import io.courier.Topics;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.DeadLetters;
import io.courier.core.MessageServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The console's routes. Pages are rendered by the templates compiled at build time; every value reaches the page
 * through the template's HTML escaping. Requests run on Jetty's pool and may block on the broker's admin calls.
 */
final class ConsoleHandler extends Handler.Abstract {
    /** How long a dead-letter page waits for letters to arrive from the broker. */
    private static final Duration LETTER_WAIT = Duration.ofSeconds(5);
    private static final int LETTERS_SHOWN = 200;
    private static final int MAX_PAYLOAD_CHARS = 1 << 20;
    private static final int DEFAULT_LATEST = 20;
    private static final int MAX_LATEST = 200;

    private final Broker broker;
    private final List<MessageServer> services;
    private final Access access;
    private final long refreshSeconds;
    private final Payloads payloads;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html,
            ConsoleHandler.class.getClassLoader(), "io.courier.console.pages");
    private final Map<String, byte[]> statics = new HashMap<>();

    ConsoleHandler(Broker broker, List<MessageServer> services, String token, Duration refresh, Payloads payloads) {
        this.broker = broker;
        this.payloads = payloads;
        this.services = services;
        this.access = new Access(token);
        this.refreshSeconds = refresh.toSeconds();
        statics.put("/static/htmx.min.js", resource("/META-INF/resources/webjars/htmx.org/2.0.8/dist/htmx.min.js"));
        statics.put("/static/console.css", resource("/io/courier/console/console.css"));
        statics.put("/static/console.js", resource("/io/courier/console/console.js"));
        statics.put("/static/uPlot.iife.min.js", resource("/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"));
        statics.put("/static/uPlot.min.css", resource("/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css"));
    }

    private static byte[] resource(String path) {
        try (InputStream in = ConsoleHandler.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("console resource missing from the jar: " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read console resource " + path, e);
        }
    }

    /** A page's outcome: status, body and its content type. */
    private record Page(int status, String html, String contentType) {
        Page(int status, String html) {
            this(status, html, "text/html; charset=utf-8");
        }
    }

    /** A request the console refuses with a message, nothing done. */
    private static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        byte[] file = statics.get(path);
        if (file != null && method.equals("GET")) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, path.endsWith(".js") ? "text/javascript" : "text/css");
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=3600");
            response.write(true, ByteBuffer.wrap(file), callback);
            return true;
        }
        String csrf = access.formToken(request, response);
        View view = new View(broker.url(), broker.capabilities().backend(), csrf, null, null, refreshSeconds, payloads);
        Page page;
        try {
            if (!access.signedIn(request)) {
                page = path.equals("/login") && method.equals("POST") ? login(request, response, view)
                        : new Page(HttpStatus.UNAUTHORIZED_401, render("login", Map.of("view", anonymous(view))));
            } else if (method.equals("GET")) {
                page = get(path, Request.extractQueryParameters(request), view);
            } else if (method.equals("POST")) {
                Fields form = Request.getParameters(request);
                if (!Access.formTokenMatches(form.getValue("csrf"), csrf)) {
                    throw new Refused(HttpStatus.FORBIDDEN_403, "this form came from elsewhere or is stale: "
                            + "nothing was done; reload the page and try again");
                }
                page = post(path, form, view);
            } else {
                throw new Refused(HttpStatus.METHOD_NOT_ALLOWED_405, method + " is not used here");
            }
        } catch (Refused e) {
            page = new Page(e.status, render("message", Map.of("view", view.withMessage(e.getMessage(), false))));
        } catch (CourierException e) {
            // the broker failed where a page does not say so itself: the reason on the page, not a bare 500
            page = new Page(HttpStatus.SERVICE_UNAVAILABLE_503, render("message",
                    Map.of("view", view.withMessage("the broker failed: " + e.getMessage(), false))));
        }
        response.setStatus(page.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, page.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put("Content-Security-Policy", "default-src 'self'; style-src 'self'; frame-ancestors 'none'");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.write(true, ByteBuffer.wrap(page.html().getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    // ------------------------------------------------------------------ GET

    private Page get(String path, Fields query, View view) {
        return switch (path) {
            case "/" -> ok("overview", topicsModel(view));
            case "/fragments/topics" -> {
                Map<String, Object> m = topicsModel(view);
                m.remove("view");
                yield ok("topicsTable", m);
            }
            case "/topic" -> ok("topic", topicModel(view, topicParam(query.getValue("name")), latestParam(query.getValue("latest"))));
            case "/fragments/subscriptions" -> ok("subscriptionsTable", subscriptionsModel(topicParam(query.getValue("topic"))));
            case "/api/rates" -> rates();
            case "/dlq" -> ok("deadLetterTopics", deadLetterTopicsModel(view));
            case "/dlq/letters" -> lettersPage(view, topicParam(query.getValue("topic")));
            case "/service" -> ok("service", Map.of("view", view, "services", serviceViews()));
            default -> throw new Refused(HttpStatus.NOT_FOUND_404, "no page at " + path);
        };
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

    /**
     * The broker's messages in and out per second summed over its topics, as JSON for the chart; {@code kept} is false
     * where the backend keeps no rates.
     */
    private Page rates() {
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
        String json = String.format(java.util.Locale.ROOT, "{\"time\":%d,\"in\":%.3f,\"out\":%.3f,\"kept\":%b,\"backend\":\"%s\"}",
                System.currentTimeMillis() / 1000, in, out, kept, broker.capabilities().backend().replaceAll("[^A-Za-z0-9_-]", ""));
        return new Page(HttpStatus.OK_200, json, "application/json");
    }

    private Map<String, Object> topicModel(View view, String topic, int latestCount) {
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
        return m;
    }

    private static int latestParam(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LATEST;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= MAX_LATEST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Refused(HttpStatus.BAD_REQUEST_400, "the latest messages shown must be 1 to " + MAX_LATEST + ", got '" + value + "'");
    }

    private Map<String, Object> deadLetterTopicsModel(View view) {
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

    private Page lettersPage(View view, String topic) {
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

    private List<ServiceView> serviceViews() {
        List<ServiceView> views = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            MessageServer s = services.get(i);
            List<ServiceView.Row> rows = new ArrayList<>();
            for (SubscriptionHealth h : s.health()) {
                rows.add(new ServiceView.Row(h, lag(h)));
            }
            views.add(new ServiceView(i, s.name(), s.state().toString(), s.isReady(), s.isLive(), rows));
        }
        return views;
    }

    private String lag(SubscriptionHealth h) {
        try {
            return Long.toString(broker.admin().backlog(h.topic(), h.subscription()));
        } catch (CourierException e) {
            return Format.NOT_KEPT;   // a pattern subscription, or a backend that cannot tell
        }
    }

    // ------------------------------------------------------------------ POST

    private Page post(String path, Fields form, View view) {
        return switch (path) {
            case "/topic/publish" -> publish(form, view);
            case "/subscription/move" -> move(form, view);
            case "/dlq/replay" -> settle(form, view, true);
            case "/dlq/discard" -> settle(form, view, false);
            case "/service/pause", "/service/resume" -> steer(form, view, path.endsWith("pause"));
            case "/login" -> ok("overview", topicsModel(view));   // signed in already
            default -> throw new Refused(HttpStatus.NOT_FOUND_404, "nothing to do at " + path);
        };
    }

    private Page publish(Fields form, View view) {
        String topic = topicParam(form.getValue("topic"));
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
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, cannot("publish to " + topic, failed));
        }
        return ok("topic", topicModel(view.withMessage("published " + id + " to " + topic, true), topic, DEFAULT_LATEST));
    }

    private Page move(Fields form, View view) {
        String topic = topicParam(form.getValue("topic"));
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
                    long n = countParam(form.getValue("count"));
                    broker.admin().skip(topic, subscription, n);
                    done = "skipped " + n + " message(s) of " + subscription;
                }
                case "skip-all" -> {
                    broker.admin().skipAll(topic, subscription);
                    done = "skipped the whole backlog of " + subscription;
                }
                case "reset" -> {
                    Instant time = timeParam(form.getValue("time"));
                    broker.admin().resetCursor(topic, subscription, time);
                    done = "reset " + subscription + " to the messages published from " + time + " on";
                }
                default -> throw new Refused(HttpStatus.BAD_REQUEST_400, "action must be skip, skip-all or reset, got '" + action + "'");
            }
        } catch (CourierException e) {
            throw new Refused(e instanceof UnsupportedFeatureException ? HttpStatus.BAD_REQUEST_400 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    cannot("move " + subscription, e));
        }
        return ok("topic", topicModel(view.withMessage(done, true), topic, DEFAULT_LATEST));
    }

    private static long countParam(String value) {
        try {
            long n = Long.parseLong(String.valueOf(value).trim());
            if (n >= 1 && n <= 1_000_000_000L) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Refused(HttpStatus.BAD_REQUEST_400, "the messages to skip must be a whole number from 1 to 1000000000, got '"
                + value + "'");
    }

    /** An ISO-8601 instant (2026-12-01T10:00:00Z), or a browser's date and time without a zone, taken as UTC. */
    private static Instant timeParam(String value) {
        String text = value == null ? "" : value.trim();
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException again) {
                throw new Refused(HttpStatus.BAD_REQUEST_400, "the time must look like 2026-12-01T10:00:00Z (UTC), got '"
                        + text + "'");
            }
        }
    }

    private Page settle(Fields form, View view, boolean replay) {
        String topic = topicParam(form.getValue("topic"));
        boolean all = "all".equals(form.getValue("scope"));
        List<String> ids = form.getValuesOrEmpty("id");
        if (!all && ids.isEmpty()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no letter selected: tick the letters first, nothing was done");
        }
        if (!replay && !"yes".equals(form.getValue("confirm"))) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "discarding is for good: tick the confirmation first; nothing was discarded");
        }
        DeadLetters letters = DeadLetters.of(broker, topic);
        List<DeadLetters.Letter> done;
        try {
            done = replay ? letters.replay(all ? List.of() : ids, LETTER_WAIT) : letters.discard(all ? List.of() : ids, LETTER_WAIT);
        } catch (CourierException e) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE_503, cannot((replay ? "replay" : "discard") + " letters of " + topic, e));
        }
        String outcome = done.size() + " letter(s) " + (replay ? "replayed to their original topic" : "discarded");
        if (!all && done.size() < ids.size()) {
            outcome += "; " + (ids.size() - done.size()) + " selected were no longer pending";
        }
        Page page = lettersPage(view.withMessage(outcome, true), topic);
        return page;
    }

    private Page steer(Fields form, View view, boolean pause) {
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
        return ok("service", Map.of("view", view.withMessage((pause ? "paused " : "resumed ") + s.name(), true),
                "services", serviceViews()));
    }

    // ------------------------------------------------------------------ access

    private Page login(Request request, Response response, View view) throws Exception {
        if (!access.signIn(Request.getParameters(request).getValue("token"), response)) {
            return new Page(HttpStatus.UNAUTHORIZED_401, render("login",
                    Map.of("view", anonymous(view).withMessage("wrong token", false))));
        }
        return ok("overview", topicsModel(view));
    }

    /** A page for someone not signed in: nothing about the broker. */
    private static View anonymous(View view) {
        return new View("", "", view.csrf(), null, null, view.refreshSeconds(), view.payloads());
    }

    // ------------------------------------------------------------------ helpers

    private static String topicParam(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no topic given");
        }
        String problem = Topics.problem(topic);
        if (problem != null) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, problem);
        }
        return topic;
    }

    private String cannot(String what, CourierException e) {
        if (e instanceof UnsupportedFeatureException) {
            return broker.capabilities().backend() + " cannot " + what + ": " + e.getMessage();
        }
        return "cannot " + what + ": " + e.getMessage();
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
