package io.courier.examples.uba;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.courier.LifecycleException;
import io.courier.core.Server;
import io.courier.core.ServerState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's built-in HTTP server as a Courier {@link Server}, so that an {@link io.courier.core.App} starts it with
 * the message server and stops it first (it stops taking requests before the message server drains).
 */
public final class HttpServerAdapter implements Server {
    static {
        // small responses otherwise wait ~40 ms on Nagle + delayed ACK between header and body writes
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
    private final String name;
    private final String host;
    private final int port;
    private final Map<String, HttpHandler> routes = new LinkedHashMap<>();
    private final int threads;
    private HttpServer server;
    private ExecutorService executor;
    private ServerState state = ServerState.NEW;

    public HttpServerAdapter(String name, String host, int port, int threads) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.threads = threads;
    }

    public HttpServerAdapter route(String path, HttpHandler handler) {
        routes.put(path, handler);
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void start() {
        if (state == ServerState.RUNNING) {
            return;
        }
        if (state != ServerState.NEW) {
            throw new LifecycleException("HTTP server '" + name + "' cannot start from state " + state);
        }
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 256);
        } catch (IOException e) {
            state = ServerState.FAILED;
            throw new LifecycleException("HTTP server '" + name + "' cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "http-" + name);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        routes.forEach(server::createContext);
        server.start();
        state = ServerState.RUNNING;
    }

    @Override
    public synchronized void stop(Duration grace) {
        if (state != ServerState.RUNNING) {
            state = ServerState.STOPPED;
            return;
        }
        state = ServerState.STOPPING;
        server.stop((int) Math.min(5, Math.max(0, grace.toSeconds())));
        executor.shutdown();
        try {
            executor.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = ServerState.STOPPED;
    }

    @Override
    public synchronized Optional<URI> endpoint() {
        if (server == null) {
            return Optional.empty();
        }
        return Optional.of(URI.create("http://" + host + ":" + server.getAddress().getPort()));
    }

    @Override
    public synchronized ServerState state() {
        return state;
    }
}
