package io.courier.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A JVM started from the test's own classpath running one main class, whose stdout lines go to a listener. Used to
 * crash a subscriber for real (SIGKILL), stop it with a real SIGTERM, and measure its heap apart from the test's.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Thread reader;
    private final Deque<String> tail = new ArrayDeque<>();

    private ChildJvm(Process process, Consumer<String> onLine) {
        this.process = process;
        this.reader = new Thread(() -> pump(onLine), "child-jvm-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static ChildJvm start(Class<?> main, List<String> jvmOptions, List<String> args, Consumer<String> onLine) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        try {
            return new ChildJvm(new ProcessBuilder(cmd).redirectErrorStream(true).start(), onLine);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + main.getName(), e);
        }
    }

    private void pump(Consumer<String> onLine) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 40) {
                        tail.removeFirst();
                    }
                }
                onLine.accept(line);
            }
        } catch (IOException e) {
            // the process is gone; its exit is what the test looks at
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no drain, no ack flush. */
    void kill() {
        process.destroyForcibly();
        awaitExit(30);
    }

    /** SIGTERM: the JVM runs its shutdown hooks (an App with signal handling drains). Returns the exit code. */
    int terminate(long timeoutSeconds) {
        // through the handle: Process.destroy() also closes our end of the pipes, and we want the drain's output
        process.toHandle().destroy();
        return awaitExit(timeoutSeconds);
    }

    int awaitExit(long timeoutSeconds) {
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("child JVM did not exit within " + timeoutSeconds + " s; last lines:\n" + tail());
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the child JVM", e);
        }
    }

    String tail() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(30);
        }
    }
}
