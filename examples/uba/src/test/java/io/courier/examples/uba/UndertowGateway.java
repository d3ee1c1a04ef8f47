package io.courier.examples.uba;

import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The second HTTP server library measured for the gateway (issue 15: "measure two and choose"): the same
 * {@link ReportGateway} behind Undertow's non-blocking core handler, so that only the server library differs from
 * {@link GatewayHttpServer}. The body is read asynchronously, the report published with {@code publishAsync}, and the
 * answer written on the connection's I/O thread when the broker has answered. A benchmark contender only: it serves
 * the two report routes and none of the production server's refusals (413 before reading, 405, health).
 */
final class UndertowGateway implements AutoCloseable {
    private final Undertow server;

    UndertowGateway(ReportGateway gateway) {
        // two I/O threads as Jetty's one acceptor and one selector plus its pool's small work, on two cores
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(2).setWorkerThreads(8)
                .setHandler(exchange -> handle(gateway, exchange)).build();
        server.start();
    }

    URI uri() {
        InetSocketAddress address = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        return URI.create("http://127.0.0.1:" + address.getPort());
    }

    private static void handle(ReportGateway gateway, HttpServerExchange exchange) {
        String path = exchange.getRequestPath();
        boolean batch = path.equals("/agent/v1/reports");
        if (!exchange.getRequestMethod().equals(Methods.POST) || !(batch || path.equals("/agent/v1/report"))) {
            exchange.setStatusCode(404);
            exchange.endExchange();
            return;
        }
        long receivedUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        boolean ndjson = batch && contentType != null && contentType.startsWith("application/x-ndjson");
        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> {
            CompletableFuture<ReportGateway.Answer> answer = batch ? gateway.reports(body, body.length, ndjson, receivedUs)
                    : gateway.report(body, body.length, receivedUs);
            answer.whenComplete((a, error) -> {
                ReportGateway.Answer written = a != null ? a
                        : new ReportGateway.Answer(500, ReportJson.answer(500, "internal error: " + error));
                ex.getIoThread().execute(() -> write(ex, written));
            });
        }), (ex, error) -> {
            ex.setStatusCode(400);
            ex.endExchange();
        });
    }

    private static void write(HttpServerExchange exchange, ReportGateway.Answer answer) {
        exchange.setStatusCode(answer.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(answer.json()));
    }

    @Override
    public void close() {
        server.stop();
    }
}
