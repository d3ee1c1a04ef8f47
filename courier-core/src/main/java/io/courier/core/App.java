package io.courier.core;

import io.courier.ConfigurationException;
import io.courier.LifecycleException;
import io.courier.core.internal.Closing;
import io.courier.core.internal.HandlerThreads;
import io.courier.core.spi.Deadline;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A service: its identity and its servers, started and stopped together (Kratos' {@code kratos.New}).
 *
 * <pre>{@code
 * App app = App.builder().name("saver").version("1.0.0").server(httpServer).server(messageServer).build();
 * app.run();   // blocks until SIGINT/SIGTERM or app.stop()
 * }</pre>
 *
 * <p>{@link #run()} runs the before-start hooks, starts the servers in the order given, runs the after-start hooks,
 * then waits. On SIGINT/SIGTERM (a JVM shutdown hook) or {@link #stop()} it runs the before-stop hooks, stops the
 * servers in reverse order (so an HTTP server stops taking requests before the message server drains) within one
 * shared {@link Builder#stopTimeout(Duration) stop timeout} (default 30 s), then runs the after-stop hooks. When a
 * server fails to start, the ones already started are stopped and {@code run()} throws a
 * {@link LifecycleException} whose cause is the failure. Thread-safe.
 */
public final class App {
    private static final System.Logger LOG = System.getLogger(App.class.getName());

    /** Code run at a lifecycle point; an exception from a before-hook aborts the move. */
    @FunctionalInterface
    public interface Hook {
        void run(App app) throws Exception;
    }

    private final String id;
    private final String name;
    private final String version;
    private final Map<String, String> metadata;
    private final List<Server> servers;
    private final AppHooks hooks;
    private final Duration stopTimeout;
    private final boolean handleSignals;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Server> started = new ArrayList<>();
    private final ServerLifecycle lifecycle;
    private final SignalHook signals = new SignalHook();

    private App(Builder b) {
        this.id = b.id;
        this.name = b.name;
        this.version = b.version;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
        this.servers = List.copyOf(b.servers);
        this.hooks = b.hooks.build();
        this.lifecycle = new ServerLifecycle("app '" + b.name + "'");
        this.stopTimeout = b.stopTimeout;
        this.handleSignals = b.handleSignals;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public List<Server> servers() {
        return servers;
    }

    public ServerState state() {
        return lifecycle.state();
    }

    /** Starts, waits for a stop request or a signal, then stops. Can be called once. */
    public void run() {
        inRun = true;   // before start: a stop requested while starting is then carried out here, after start
        try {
            start();
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inRun = false;
        }
        shutdown();
        try {
            stopped.await();   // another thread may be carrying out the stop: run() returns once it is done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the app without blocking (for tests and embedding); pair it with {@link #stop()}.
     *
     * @throws LifecycleException when a hook or a server fails to start (everything started is stopped again)
     */
    public void start() {
        if (lifecycle.state() != ServerState.NEW || !lifecycle.beginStart()) {
            throw new LifecycleException("app '" + name + "' cannot start from state " + lifecycle.state());
        }
        try {
            hooks.beforeStart(this);
            for (Server server : servers) {
                try {
                    server.start();
                } catch (RuntimeException e) {
                    throw new LifecycleException("app '" + name + "': server '" + server.name() + "' failed to start: "
                            + e.getMessage(), e);
                }
                synchronized (this) {
                    started.add(server);
                }
            }
            hooks.afterStart(this);
        } catch (RuntimeException e) {
            stopServers();
            lifecycle.failed();
            stopped.countDown();
            stopRequested.countDown();
            throw e;
        }
        lifecycle.started();
        if (handleSignals) {
            signals.install(this::stop);
        }
        LOG.log(Level.INFO, "app ''{0}'' {1} ({2}) started {3} server(s)", name, version, id, servers.size());
    }

    /**
     * Asks the app to stop and waits until it has stopped, giving the servers the builder's stop timeout; see
     * {@link #stop(Duration)}.
     */
    public void stop() {
        stop(stopTimeout);
    }

    /**
     * Asks the app to stop, giving its servers {@code timeout} in all to drain (instead of the builder's stop
     * timeout), and waits until it has stopped: at most the timeout plus 5 s for the hooks. Safe from any thread,
     * including a signal's shutdown hook; idempotent (a stop already under way keeps its own timeout). Called from a
     * message handler of one of its servers, it returns false at once and the stop goes on without it (the handler's
     * message is acknowledged when the handler returns).
     *
     * @return true when the app has stopped by the time this returns
     * @throws IllegalArgumentException when {@code timeout} is null or negative
     */
    public boolean stop(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("stop timeout must be zero or positive, got " + timeout);
        }
        synchronized (this) {
            if (requestedStopTimeout == null) {
                requestedStopTimeout = timeout;
            }
        }
        stopRequested.countDown();
        if (HandlerThreads.onAny()) {
            // a message handler cannot wait for its own server to drain it: stop on another thread, return at once
            if (!inRun) {
                Closing.inBackground("courier-app-stop", this::shutdown);
            }
            return false;
        }
        if (!inRun) {
            shutdown();
        }
        try {
            return stopped.await(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return stopped.getCount() == 0;
        }
    }

    /** The timeout of the first stop request; null until one is made. Guarded by this. */
    private Duration requestedStopTimeout;

    /** True while {@link #run()} is waiting: the run thread then performs the shutdown. */
    private volatile boolean inRun;

    private void shutdown() {
        if (lifecycle.state() != ServerState.RUNNING || lifecycle.beginStop() != ServerLifecycle.Stop.NOW) {
            return;
        }
        try {
            hooks.beforeStop(this);
            stopServers();
            hooks.afterStop(this);
        } finally {
            lifecycle.stopped();
            signals.remove();
            stopped.countDown();
            LOG.log(Level.INFO, "app ''{0}'' stopped", name);
        }
    }

    private void stopServers() {
        List<Server> toStop;
        Deadline deadline;
        synchronized (this) {
            toStop = new ArrayList<>(started);
            started.clear();
            deadline = Deadline.after(requestedStopTimeout != null ? requestedStopTimeout : stopTimeout);
        }
        Collections.reverse(toStop);
        for (Server server : toStop) {
            try {
                server.stop(deadline.remaining());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "app '" + name + "': server '" + server.name() + "' failed to stop", e);
            }
        }
    }

    @Override
    public String toString() {
        return "App{" + name + " " + version + " (" + id + "), " + state() + "}";
    }

    /** Builds an {@link App}; not thread-safe. */
    public static final class Builder {
        private String id = UUID.randomUUID().toString();
        private String name = "courier-app";
        private String version = "0.0.0";
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final List<Server> servers = new ArrayList<>();
        private final AppHooks.Builder hooks = new AppHooks.Builder();
        private Duration stopTimeout = Duration.ofSeconds(30);
        private boolean handleSignals = true;

        private Builder() {
        }

        /** Instance id (default a random UUID). */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** Service name (default {@code courier-app}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Service version (default {@code 0.0.0}). */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "metadata key"), Objects.requireNonNull(value, "metadata value"));
            return this;
        }

        /** Adds servers; they start in the order added and stop in reverse. */
        public Builder server(Server... servers) {
            for (Server s : servers) {
                this.servers.add(Objects.requireNonNull(s, "server"));
            }
            return this;
        }

        /** Runs before the servers start; a failure aborts the start. */
        public Builder beforeStart(Hook hook) {
            hooks.beforeStart.add(Objects.requireNonNull(hook));
            return this;
        }

        /** Runs once every server has started; a failure stops them again and fails the start. */
        public Builder afterStart(Hook hook) {
            hooks.afterStart.add(Objects.requireNonNull(hook));
            return this;
        }

        /** Runs before the servers stop; a failure is logged and the stop goes on. */
        public Builder beforeStop(Hook hook) {
            hooks.beforeStop.add(Objects.requireNonNull(hook));
            return this;
        }

        /** Runs once every server has stopped; a failure is logged. */
        public Builder afterStop(Hook hook) {
            hooks.afterStop.add(Objects.requireNonNull(hook));
            return this;
        }

        /** Total time the servers get to stop (default 30 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /** Stop on SIGINT/SIGTERM through a JVM shutdown hook (default true). */
        public Builder handleSignals(boolean handle) {
            this.handleSignals = handle;
            return this;
        }

        /** @throws ConfigurationException listing every problem */
        public App build() {
            List<String> problems = new ArrayList<>();
            if (id == null || id.isBlank()) {
                problems.add("id must not be blank");
            }
            if (name == null || name.isBlank()) {
                problems.add("name must not be blank");
            }
            if (version == null || version.isBlank()) {
                problems.add("version must not be blank");
            }
            if (stopTimeout == null || stopTimeout.isNegative()) {
                problems.add("stopTimeout must be zero or positive, got " + stopTimeout);
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid app", problems);
            }
            return new App(this);
        }
    }
}
