package io.courier.console;

import io.courier.Broker;
import io.courier.CourierException;
import io.courier.core.MessageServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The console's routes: static files, sign-in and the form token ({@link Access}), then each path to its page
 * ({@link ConsolePages}) or action ({@link ConsoleActions}); every answer gets the same security headers. Requests
 * run on Jetty's pool and may block on the broker's admin calls.
 */
final class ConsoleHandler extends Handler.Abstract {
    private final Broker broker;
    private final Access access;
    private final long refreshSeconds;
    private final Payloads payloads;
    private final ConsolePages pages;
    private final ConsoleActions actions;
    private final Map<String, byte[]> statics = new HashMap<>();

    ConsoleHandler(Broker broker, List<MessageServer> services, String token, Duration refresh, Payloads payloads) {
        this.broker = broker;
        this.payloads = payloads;
        this.access = new Access(token);
        this.refreshSeconds = refresh.toSeconds();
        this.pages = new ConsolePages(broker, services);
        this.actions = new ConsoleActions(broker, services, pages);
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
                        : pages.login(view, null);
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
            page = pages.message(view, e.status(), e.getMessage());
        } catch (CourierException e) {
            // the broker failed where a page does not say so itself: the reason on the page, not a bare 500
            page = pages.message(view, HttpStatus.SERVICE_UNAVAILABLE_503, "the broker failed: " + e.getMessage());
        }
        response.setStatus(page.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, page.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put("Content-Security-Policy", "default-src 'self'; style-src 'self'; frame-ancestors 'none'");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.write(true, ByteBuffer.wrap(page.body().getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    private Page get(String path, Fields query, View view) {
        return switch (path) {
            case "/" -> pages.overview(view);
            case "/fragments/topics" -> pages.topicsFragment(view);
            case "/topic" -> pages.topic(view, Params.topic(query.getValue("name")), Params.latest(query.getValue("latest")));
            case "/fragments/subscriptions" -> pages.subscriptionsFragment(Params.topic(query.getValue("topic")));
            case "/api/rates" -> pages.rates();
            case "/dlq" -> pages.deadLetterTopics(view);
            case "/dlq/letters" -> pages.letters(view, Params.topic(query.getValue("topic")));
            case "/service" -> pages.services(view);
            default -> throw new Refused(HttpStatus.NOT_FOUND_404, "no page at " + path);
        };
    }

    private Page post(String path, Fields form, View view) {
        return switch (path) {
            case "/topic/publish" -> actions.publish(form, view);
            case "/subscription/move" -> actions.move(form, view);
            case "/dlq/replay" -> actions.settle(form, view, true);
            case "/dlq/discard" -> actions.settle(form, view, false);
            case "/service/pause", "/service/resume" -> actions.steer(form, view, path.endsWith("pause"));
            case "/login" -> pages.overview(view);   // signed in already
            default -> throw new Refused(HttpStatus.NOT_FOUND_404, "nothing to do at " + path);
        };
    }

    private Page login(Request request, Response response, View view) throws Exception {
        if (!access.signIn(Request.getParameters(request).getValue("token"), response)) {
            return pages.login(view, "wrong token");
        }
        return pages.overview(view);
    }
}
