package io.courier.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What every embedded broker does the same way: a data directory (given and kept, or temporary and deleted on close),
 * one broker {@link ChildJvm}, start until ready, graceful stop (SIGTERM), kill (SIGKILL), restart on the same data,
 * close. A broker says how to launch its JVM and how to ask whether it is ready. Thread-safe (synchronized).
 */
public abstract class EmbeddedBroker implements AutoCloseable {
    protected final Path dataDir;
    private final boolean deleteOnClose;
    private ChildJvm process;
    private Duration lastStartup;

    /**
     * @param dataDir    where the broker keeps its data (kept on close), or null for a temporary directory
     * @param tempPrefix the temporary directory's name prefix
     */
    protected EmbeddedBroker(Path dataDir, String tempPrefix) {
        try {
            this.deleteOnClose = dataDir == null;
            this.dataDir = dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory(tempPrefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory", e);
        }
    }

    /** Starts the broker's JVM; called with no broker running. */
    protected abstract ChildJvm launch() throws IOException;

    /** One readiness probe: true once the broker serves clients. */
    protected abstract boolean answers();

    /** Called once the wait for readiness ended, ready or not (to release what the probe held). */
    protected void readinessChecked() {
    }

    /** The broker's name for messages, e.g. {@code Kafka broker}. */
    protected abstract String brokerName();

    /** The last lines of the broker's output, for error messages. */
    public abstract String tail();

    /** Starts the broker (unless it runs) and waits until it answers. */
    public abstract EmbeddedBroker start();

    /**
     * A value kept in the data directory ({@code <name>.id}), made by {@code make} the first time: what a broker
     * restarted on the same data must find again (a node name, a cookie).
     */
    protected final String kept(String name, Supplier<String> make) {
        Path file = dataDir.resolve(name + ".id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            String value = make.get();
            Files.writeString(file, value, StandardCharsets.UTF_8);
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the broker's " + name + " in " + file, e);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How long the last start took until the broker answered. */
    public Duration lastStartupTime() {
        return lastStartup;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The process id of the broker JVM; it ends when this JVM ends, SIGKILL included ({@link ParentWatch}). */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("the embedded " + brokerName() + " is not running");
        }
        return process.pid();
    }

    /**
     * Launches the broker and waits until it answers, at most {@code timeout}.
     *
     * @throws IllegalStateException with the tail of the broker's output when it exits or is not ready in time
     */
    protected final synchronized void startAndAwait(Duration timeout) {
        if (isRunning()) {
            return;
        }
        long begin = System.nanoTime();
        try {
            process = launch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + brokerName() + " JVM", e);
        }
        long deadline = begin + timeout.toNanos();
        try {
            while (!answers()) {
                if (!process.isAlive()) {
                    int exit = process.exitValue();
                    process = null;
                    throw new IllegalStateException(brokerName() + " exited with " + exit + " during start; last lines:\n"
                            + tail());
                }
                if (System.nanoTime() > deadline) {
                    process.kill();
                    process = null;
                    throw new IllegalStateException(brokerName() + " not ready within " + timeout + "; last lines:\n"
                            + tail());
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        } finally {
            readinessChecked();
        }
        lastStartup = Duration.ofNanos(System.nanoTime() - begin);
    }

    /** Graceful stop (SIGTERM: the broker flushes and closes its data), waiting for the JVM to exit. */
    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(30));
            process = null;
        }
    }

    /** Abrupt stop (SIGKILL): nothing flushed, as a crashed machine. */
    public synchronized void kill() {
        if (process != null) {
            process.kill();
            process = null;
        }
    }

    /** Stops gracefully (or kills), then starts again on the same data and ports. */
    public synchronized void restart(boolean kill) {
        if (kill) {
            kill();
        } else {
            stop();
        }
        start();
    }

    /** Stops the broker and, for a temporary data directory, deletes it. */
    @Override
    public synchronized void close() {
        stop();
        if (deleteOnClose) {
            ChildJvm.deleteRecursively(dataDir);
        }
    }
}
