package io.courier.console;

import io.courier.Broker;
import io.courier.ConfigurationException;
import io.courier.LifecycleException;
import io.courier.core.MessageServer;
import io.courier.core.Server;
import io.courier.core.ServerLifecycle;
import io.courier.core.ServerState;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Courier's web console: the broker's topics and subscriptions refreshed live, a topic's page with a test publish,
 * the dead-letter browser (reason, attempts, exception and origin of each letter; replay to the original topic or
 * discard, one, some or all), and, when it runs inside a service, that service's message servers with their
 * subscriptions' health and pause/resume. {@code courier console URL} runs one on its own; a service adds one to its
 * {@link io.courier.core.App} like any {@link Server}.
 *
 * <pre>{@code
 * App.builder().name("orders").server(messageServer)
 *     .server(Console.builder(broker).service(messageServer).build())   // http://127.0.0.1:8765
 *     .build().run();
 * }</pre>
 *
 * <p>Safe by default: it listens on 127.0.0.1 ({@value #DEFAULT_PORT}); bound to any other address it requires a
 * token, asked once per browser and kept in an HTTP-only cookie. Every action is a POST carrying a per-browser form
 * token (a request from another site cannot act); discarding asks for an explicit confirmation. No secret is shown:
 * the broker's URL is shown as {@link Broker#url()} gives it, without user-info or credentials, and options never.
 *
 * <p>The broker is the caller's: the console never closes it. Thread-safe.
 */
public final class Console implements Server {
    /** The port unless told otherwise. */
    public static final int DEFAULT_PORT = 8765;

    private final String name;
    private final String host;
    private final int port;
    private final ConsoleHandler handler;
    private org.eclipse.jetty.server.Server server;
    private ServerConnector connector;
    private final ServerLifecycle lifecycle;

    private Console(Builder b) {
        this.name = b.name;
        this.lifecycle = new ServerLifecycle("console '" + b.name + "'");
        this.host = b.host;
        this.port = b.port;
        this.handler = new ConsoleHandler(b.broker, List.copyOf(b.services), b.token, b.refresh, new Payloads(b.descriptors));
    }

    /** A console for {@code broker}, which stays the caller's to close. */
    public static Builder builder(Broker broker) {
        return new Builder(broker);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void start() {
        if (!lifecycle.beginStart()) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("courier-console");
        threads.setDaemon(true);
        server = new org.eclipse.jetty.server.Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            lifecycle.failed();
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start already failed; that is the error to report
            }
            throw new LifecycleException("console '" + name + "' cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        lifecycle.started();
    }

    /**
     * Stops listening and closes every connection at once: a page being rendered is cut (the browser reloads it from
     * another console), so the grace is not used; nothing the console does is left half-done by it, since each action
     * settles a letter only after its publish was confirmed.
     */
    @Override
    public synchronized void stop(Duration grace) {
        if (lifecycle.beginStop() != ServerLifecycle.Stop.NOW) {
            return;
        }
        server.setStopTimeout(0);   // a graceful stop would wait for browsers' idle keep-alive connections
        try {
            server.stop();
        } catch (Exception e) {
            lifecycle.failed();
            throw new LifecycleException("console '" + name + "' did not stop cleanly: " + e.getMessage(), e);
        }
        lifecycle.stopped();
    }

    @Override
    public synchronized Optional<URI> endpoint() {
        if (connector == null || connector.getLocalPort() <= 0) {
            return Optional.empty();
        }
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return Optional.of(URI.create("http://" + shown + ":" + connector.getLocalPort() + "/"));
    }

    @Override
    public ServerState state() {
        return lifecycle.state();
    }

    /** Builds a {@link Console}; every setting is checked by {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Broker broker;
        private String name = "console";
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private String token;
        private Duration refresh = Duration.ofSeconds(2);
        private final List<MessageServer> services = new ArrayList<>();
        private final Map<String, Object> descriptors = new HashMap<>();

        private Builder(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
        }

        /** The server's name in an {@link io.courier.core.App} (default {@code console}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Where to listen (default 127.0.0.1:{@value #DEFAULT_PORT}; port 0 picks a free one). An address other than a
         * loopback one needs {@link #token(String)}.
         */
        public Builder bind(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /** The token a browser must give once before it sees anything (default none: loopback only). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** How often the live parts reload (default 2 s; 1 s to 1 min). */
        public Builder refreshEvery(Duration period) {
            this.refresh = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Shows the protobuf payloads ({@code application/x-protobuf}) of {@code topic}, and the dead letters that came
         * from it, as JSON through {@code descriptor} (e.g. {@code ReportEvent.getDescriptor()}); without one they show
         * as base64. Repeatable, one descriptor per topic.
         */
        public Builder protobuf(String topic, com.google.protobuf.Descriptors.Descriptor descriptor) {
            descriptors.put(Payloads.baseTopic(Objects.requireNonNull(topic, "topic")), Objects.requireNonNull(descriptor, "descriptor"));
            return this;
        }

        /** A message server of the service this console runs in, shown on the Service page. Repeatable. */
        public Builder service(MessageServer server) {
            services.add(Objects.requireNonNull(server, "server"));
            return this;
        }

        /**
         * @throws ConfigurationException for a port out of range, a refresh period out of range, a short token, or an
         *                                address other than loopback without a token
         */
        public Console build() {
            if (port < 0 || port > 65_535) {
                throw new ConfigurationException("console port must be 0 to 65535, got " + port);
            }
            if (refresh.compareTo(Duration.ofSeconds(1)) < 0 || refresh.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new ConfigurationException("console refresh must be 1 s to 1 min, got " + refresh);
            }
            if (token != null && token.length() < 16) {
                throw new ConfigurationException("console token must be at least 16 characters (a guessable token "
                        + "protects nothing)");
            }
            if (token == null && !loopback(host)) {
                throw new ConfigurationException("console bound to " + host + " would let anyone who reaches it read and "
                        + "replay messages: set a token, or bind it to 127.0.0.1");
            }
            return new Console(this);
        }

        private static boolean loopback(String host) {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    if (!a.isLoopbackAddress()) {
                        return false;
                    }
                }
                return true;
            } catch (UnknownHostException e) {
                throw new ConfigurationException("console address '" + host + "' is not known: " + e.getMessage());
            }
        }
    }
}
