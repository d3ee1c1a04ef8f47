package io.courier.examples.uba;

import io.courier.LifecycleException;
import io.courier.core.Server;
import io.courier.core.ServerLifecycle;
import io.courier.core.ServerState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway's HTTP side on Jetty (core API, no servlets) as a Courier {@link Server}, so that an
 * {@link io.courier.core.App} starts it with the message server and stops it first. Requests are read and answered
 * without blocking a thread on the broker: the body is read asynchronously, the {@link ReportGateway} publishes with
 * {@code publishAsync}, and the response is written when the broker has answered. Keep-alive is on (HTTP/1.1).
 *
 * <p>Routes: {@code POST /agent/v1/report} (one report), {@code POST /agent/v1/reports} (a batch: a JSON array, or
 * newline-delimited JSON with {@code Content-Type: application/x-ndjson}), {@code GET /healthz}, {@code GET /readyz}.
 */
public final class GatewayHttpServer implements Server {
    private static final String REPORT = "/agent/v1/report";
    private static final String REPORTS = "/agent/v1/reports";
    /** The most of a too-large body read (and dropped) so that its 413 reaches the client on a kept connection. */
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;

    private final String host;
    private final int port;
    private final ReportGateway gateway;
    private final BooleanSupplier ready;
    private final Tracer tracer;
    private org.eclipse.jetty.server.Server server;
    private ServerConnector connector;
    private final ServerLifecycle lifecycle;

    /** @param tracer a SERVER span per report request (the publish becomes its child), or null for none */
    public GatewayHttpServer(String host, int port, ReportGateway gateway, BooleanSupplier ready, Tracer tracer) {
        this.host = host;
        this.port = port;
        this.gateway = gateway;
        this.ready = ready;
        this.tracer = tracer;
        this.lifecycle = new ServerLifecycle("HTTP server 'gateway'");
    }

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public synchronized void start() {
        if (!lifecycle.beginStart()) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("gateway-http");
        threads.setDaemon(true);
        server = new org.eclipse.jetty.server.Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            lifecycle.failed();
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start already failed; that is the error to report
            }
            throw new LifecycleException("HTTP server 'gateway' cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        lifecycle.started();
    }

    /** Stops taking connections, lets answers in progress finish within {@code grace} (at most 5 s), then closes. */
    @Override
    public synchronized void stop(Duration grace) {
        if (lifecycle.beginStop() != ServerLifecycle.Stop.NOW) {
            return;
        }
        server.setStopTimeout(Math.min(5_000, Math.max(0, grace.toMillis())));
        try {
            server.stop();
        } catch (Exception e) {
            lifecycle.failed();
            throw new LifecycleException("HTTP server 'gateway' did not stop cleanly: " + e.getMessage(), e);
        }
        lifecycle.stopped();
    }

    @Override
    public synchronized Optional<URI> endpoint() {
        if (connector == null || connector.getLocalPort() <= 0) {
            return Optional.empty();
        }
        return Optional.of(URI.create("http://" + host + ":" + connector.getLocalPort()));
    }

    @Override
    public ServerState state() {
        return lifecycle.state();
    }

    /** Dispatches on the path; each route completes {@code callback} exactly once. */
    private final class Routes extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            switch (path) {
                case REPORT, REPORTS -> {
                    if (!request.getMethod().equals("POST")) {
                        response.getHeaders().put(HttpHeader.ALLOW, "POST");
                        afterBody(request, response, callback, new ReportGateway.Answer(405, ReportJson.answer(405, "use POST")));
                    } else {
                        receive(request, response, callback, path.equals(REPORTS));
                    }
                }
                case "/healthz" -> text(response, callback, 200, "ok");
                case "/readyz" -> {
                    boolean ok = ready.getAsBoolean();
                    text(response, callback, ok ? 200 : 503, ok ? "ok" : "not ready");
                }
                default -> afterBody(request, response, callback, new ReportGateway.Answer(404, ReportJson.answer(404,
                        "no such path: " + (path.length() > 100 ? path.substring(0, 100) + "..." : path))));
            }
            return true;
        }
    }

    private void receive(Request request, Response response, Callback callback, boolean batch) {
        long receivedUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        int limit = batch ? gateway.limits().maxBatchBytes() : gateway.limits().maxBodyBytes();
        if (request.getLength() > limit) {
            refuseTooLarge(request, response, callback, batch);
            return;
        }
        boolean ndjson = batch && isNdjson(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        Span span = tracer == null ? null : tracer.spanBuilder("POST " + (batch ? REPORTS : REPORT)).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", "POST").setAttribute("url.path", batch ? REPORTS : REPORT).startSpan();
        // a body over the limit fails the read (nothing more of it is buffered)
        Content.Source.asByteArrayAsync(request, limit).whenComplete((body, readError) -> {
            if (readError != null) {
                if (span != null) {
                    span.end();
                }
                if (readError instanceof IllegalArgumentException || readError.getCause() instanceof IllegalArgumentException) {
                    refuseTooLarge(request, response, callback, batch);   // a chunked body that grew past the limit
                } else {
                    write(response, callback, new ReportGateway.Answer(400, ReportJson.answer(400,
                            "cannot read the request body: " + readError.getMessage())));
                }
                return;
            }
            CompletableFuture<ReportGateway.Answer> answer;
            try (Scope ignored = span == null ? Scope.noop() : span.makeCurrent()) {
                answer = batch ? gateway.reports(body, body.length, ndjson, receivedUs) : gateway.report(body, body.length, receivedUs);
            }
            answer.whenComplete((a, error) -> finish(span, response, callback, a != null ? a
                    : new ReportGateway.Answer(500, ReportJson.answer(500, "internal error: " + error))));
        });
    }

    /** Answers 413 after reading and dropping the rest of the body (see {@link #afterBody}). */
    private void refuseTooLarge(Request request, Response response, Callback callback, boolean batch) {
        afterBody(request, response, callback, gateway.tooLarge(batch));
    }

    /**
     * Writes {@code answer} once the request body has been read to its end (and dropped). A response sent while the
     * client is still sending makes the server close the connection after it, and a client that pooled that connection
     * sees its next request fail with no answer. Bodies past {@link #DRAIN_LIMIT} are not read: the answer says
     * {@code Connection: close}.
     */
    private static void afterBody(Request request, Response response, Callback callback, ReportGateway.Answer answer) {
        if (request.getLength() > DRAIN_LIMIT) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            write(response, callback, answer);
            return;
        }
        Content.Source.consumeAll(request, Callback.from(() -> write(response, callback, answer),
                failure -> write(response, callback, answer)));
    }

    private static boolean isNdjson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = MimeTypes.getContentTypeWithoutCharset(contentType).trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/x-ndjson") || type.equals("application/jsonl") || type.equals("application/jsonlines");
    }

    private static void finish(Span span, Response response, Callback callback, ReportGateway.Answer answer) {
        if (span != null) {
            span.setAttribute("http.response.status_code", (long) answer.status());
            span.end();
        }
        write(response, callback, answer);
    }

    private static void write(Response response, Callback callback, ReportGateway.Answer answer) {
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.json().length);
        response.write(true, ByteBuffer.wrap(answer.json()), callback);
    }

    private static void text(Response response, Callback callback, int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
