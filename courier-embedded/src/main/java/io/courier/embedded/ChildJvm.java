package io.courier.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A child JVM that never outlives this one: started through {@link ParentWatch}, which ends the child when this JVM
 * ends for any reason (SIGKILL included). A broker's output is appended to a file ({@link #start}); a test's service
 * process hands each line it prints to a listener ({@link #startWithLines}). Stop is SIGTERM (the child's shutdown
 * hooks run), kill is SIGKILL. Not thread-safe: its owner (an embedded broker, a test) calls it from one thread.
 */
public final class ChildJvm implements AutoCloseable {
    /**
     * Ports for brokers are chosen below the kernel's ephemeral range, from here up: a port in that range (what
     * binding port 0 gives) can be taken by any outgoing connection between the choice and the broker's bind, seconds
     * later for a JVM broker, which ended a broker's start with "address in use".
     */
    private static final int FIRST_CHOSEN_PORT = 20_000;
    private static final java.util.Random RANDOM = new java.util.Random();
    /** Ports chosen by this JVM: never handed out twice, though not yet bound by the broker they were chosen for. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final int TAIL_LINES = 40;

    private final Process process;
    /** The file the output goes to, or null when it is read line by line. */
    private final Path output;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final Thread reader;

    private ChildJvm(Process process, Path output, Consumer<String> onLine) {
        this.process = process;
        this.output = output;
        if (onLine == null) {
            this.reader = null;
        } else {
            this.reader = new Thread(() -> pump(onLine), "child-jvm-" + process.pid() + "-output");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /**
     * Starts {@code mainClass} in a child JVM.
     *
     * @param jvmArgs   options before the class path (heap, system properties, --add-opens)
     * @param classpath the broker's class path; courier-embedded's own location is appended for {@link ParentWatch}
     * @param mainClass the broker's main class
     * @param args      its arguments
     * @param output    file the child's standard output and error are appended to
     */
    public static ChildJvm start(List<String> jvmArgs, String classpath, String mainClass, List<String> args, Path output) {
        try {
            Process p = new ProcessBuilder(command(jvmArgs, classpath, mainClass, args)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
            return new ChildJvm(p, output, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for " + mainClass, e);
        }
    }

    /**
     * Starts a broker that is not a JVM ({@code command}, e.g. {@code rabbitmq-server} or {@code nats-server}) under a
     * {@link NativeWatch}, so that it never outlives this JVM either; its output is appended to {@code output} and it
     * gets {@code environment} on top of this JVM's. {@link #stop} gives it SIGTERM (its orderly stop), {@link #kill}
     * SIGKILLs it and everything it started.
     */
    public static ChildJvm startNative(List<String> command, Map<String, String> environment, Path output) {
        List<String> args = new ArrayList<>();
        args.add(output.toString());
        args.addAll(command);
        try {
            ProcessBuilder builder = new ProcessBuilder(command(List.of("-Xmx32m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1"), ownLocation(), NativeWatch.class.getName(), args))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
            builder.environment().putAll(environment);
            return new ChildJvm(builder.start(), output, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    /**
     * Starts {@code mainClass} in a child JVM on this JVM's own class path (a test's subscriber or service process),
     * handing each line it prints (standard output and error) to {@code onLine} on a reader thread.
     */
    public static ChildJvm startWithLines(Class<?> mainClass, List<String> jvmArgs, List<String> args,
                                          Consumer<String> onLine) {
        return startWithLines(mainClass, jvmArgs, args, onLine, java.util.Map.of());
    }

    /** {@link #startWithLines(Class, List, List, Consumer)} with {@code environment} added to this JVM's. */
    public static ChildJvm startWithLines(Class<?> mainClass, List<String> jvmArgs, List<String> args,
                                          Consumer<String> onLine, java.util.Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command(jvmArgs, System.getProperty("java.class.path"),
                    mainClass.getName(), args)).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process p = builder.start();
            return new ChildJvm(p, null, onLine);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for " + mainClass.getName(), e);
        }
    }

    private static List<String> command(List<String> jvmArgs, String classpath, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        // last on the class path, for ParentWatch alone: the child's own jars come first
        cmd.add(classpath + java.io.File.pathSeparator + ownLocation());
        cmd.add(ParentWatch.class.getName());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    private void pump(Consumer<String> onLine) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > TAIL_LINES) {
                        lastLines.removeFirst();
                    }
                }
                onLine.accept(line);
            }
        } catch (IOException e) {
            // the process is gone: its exit is what the owner looks at
        }
    }

    /** Runs {@code mainClass} in a JVM to the end (a tool, such as a storage formatter); returns its exit code. */
    public static int run(List<String> jvmArgs, String classpath, String mainClass, List<String> args, Path output,
                          Duration timeout) {
        ChildJvm child = start(jvmArgs, classpath, mainClass, args, output);
        try {
            if (!child.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                child.kill();
                throw new IllegalStateException(mainClass + " did not finish within " + timeout + "; last lines:\n"
                        + child.tail(20));
            }
            return child.process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.kill();
            throw new IllegalStateException("interrupted while " + mainClass + " ran", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; only once the JVM has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** SIGTERM, then SIGKILL if the JVM has not ended within {@code timeout}; returns when it has ended. */
    public void stop(Duration timeout) {
        process.toHandle().destroy();   // not Process.destroy(): that also closes the pipes a line reader still reads
        awaitExit(timeout);
    }

    /**
     * SIGTERM, and the exit code once the JVM has ended by itself (its shutdown hooks, a drain, done).
     *
     * @throws IllegalStateException when it has not ended within {@code timeout} (it is then killed)
     */
    public int terminate(Duration timeout) {
        process.toHandle().destroy();
        return awaitEnd(timeout);
    }

    /**
     * Waits for the JVM to end by itself and returns its exit code.
     *
     * @throws IllegalStateException when it has not ended within {@code timeout} (it is then killed)
     */
    public int awaitEnd(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new IllegalStateException("child JVM " + process.pid() + " did not end within " + timeout
                        + "; last lines:\n" + tail(20));
            }
            if (reader != null) {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for child JVM " + process.pid(), e);
        }
    }

    /**
     * SIGKILL, of the JVM and every process it started (a native broker under its {@link NativeWatch}): no shutdown
     * hooks, as a crashed machine; returns when the JVM has ended.
     */
    public void kill() {
        List<ProcessHandle> started = process.toHandle().descendants().toList();
        started.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
        for (ProcessHandle p : started) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone already, or not ours to wait for
            }
        }
    }

    /** The processes this JVM started and that still run (a native broker's tree). */
    public List<ProcessHandle> descendants() {
        return process.toHandle().descendants().toList();
    }

    /** Kills the JVM if it is still running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private void awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            if (reader != null) {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of the child's output (at most the last 40 when read line by line). */
    public String tail(int lines) {
        if (output != null) {
            return tail(output, lines);
        }
        synchronized (lastLines) {
            List<String> all = new ArrayList<>(lastLines);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** The last {@code lines} lines of a text file, or a note saying why there are none. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Writes {@code <dir>/log4j2.xml}, a Log4j 2 configuration that appends everything at INFO and above to
     * {@code logFile}, for a broker that logs through Log4j 2 (Pulsar, Kafka); returns its path, for
     * {@code -Dlog4j2.configurationFile}.
     */
    public static Path writeLog4j2FileConfig(Path dir, Path logFile) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Configuration status=\"WARN\">\n"
                + "  <Appenders>\n"
                + "    <File name=\"file\" fileName=\"" + logFile + "\" append=\"true\">\n"
                + "      <PatternLayout pattern=\"%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n\"/>\n"
                + "    </File>\n"
                + "  </Appenders>\n"
                + "  <Loggers>\n"
                + "    <Root level=\"info\"><AppenderRef ref=\"file\"/></Root>\n"
                + "  </Loggers>\n"
                + "</Configuration>\n";
        Path file = dir.resolve("log4j2.xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);
        return file;
    }

    /** A TCP port free on this machine now, below the kernel's ephemeral range where the range leaves room. */
    public static int freePort() {
        int[] ephemeral = ephemeralRange();
        if (ephemeral[0] > FIRST_CHOSEN_PORT + 1_000) {
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = FIRST_CHOSEN_PORT + RANDOM.nextInt(ephemeral[0] - FIRST_CHOSEN_PORT);
                if (HANDED_OUT.add(port) && bindable(port)) {
                    return port;
                }
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The kernel's range for outgoing connections' local ports ({@code 32768 60999} on Linux by default). */
    private static int[] ephemeralRange() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {0, 0};
        }
    }

    /**
     * A port that stays the same for one data directory: read from {@code <dir>/<name>.port}, or a free port written
     * there. A broker's internal ports live in its data (a bookie's cookie, a KRaft voter set), so a later start on the
     * same directory must use them again.
     */
    public static int stablePort(Path dir, String name) {
        Path file = dir.resolve(name + ".port");
        try {
            if (Files.exists(file)) {
                return Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim());
            }
            int port = freePort();
            Files.createDirectories(dir);
            Files.writeString(file, Integer.toString(port), StandardCharsets.UTF_8);
            return port;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot keep the " + name + " port in " + file + ": " + e, e);
        }
    }

    /** Deletes a directory tree, best effort (a temporary directory left behind is harmless). */
    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * A broker's class path written at build time into the resource {@code resource} next to {@code anchor} (by the
     * module's maven-dependency-plugin {@code build-classpath}), checked to still exist on this machine.
     */
    public static String buildTimeClasspath(Class<?> anchor, String resource, String module) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing: build " + module + " with Maven (it resolves "
                        + "the broker's jars at build time)");
            }
            String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            String first = cp.split(java.io.File.pathSeparator)[0];
            if (!Files.exists(Path.of(first))) {
                throw new IllegalStateException("the broker's jars are not where the build found them (" + first
                        + "); rebuild " + module + " on this machine");
            }
            return cp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The jar (or classes directory) holding {@link ParentWatch}, for the child JVM's class path. */
    private static String ownLocation() {
        try {
            return Path.of(ParentWatch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate courier-embedded's classes", e);
        }
    }
}
