package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The main job in {@code --serve} mode, stopped as a user stops it: SIGTERM (what Ctrl-C's SIGINT does too: the JVM
 * runs its shutdown hooks) stops every service and the embedded broker; SIGKILL leaves no broker behind either.
 */
class UbaMainStopTest {

    private record Served(Process main, long brokerPid, List<String> output, Thread reader) {
    }

    private static Served serve() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process main = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), UbaMain.class.getName(),
                "--reports", "0", "--serve", "--http-addr", "127.0.0.1:" + port)).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> serving = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(main.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(line);
                    if (line.startsWith("serving")) {
                        serving.complete(null);
                    }
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
            serving.completeExceptionally(new AssertionError("main job ended before serving: " + output));
        });
        reader.setDaemon(true);
        reader.start();
        serving.get(3, TimeUnit.MINUTES);
        Optional<ProcessHandle> broker = ProcessHandle.of(main.pid()).orElseThrow().children()
                .filter(p -> p.info().command().orElse("").endsWith("java")).findFirst();   // its only child JVM
        assertThat(broker).as("the embedded broker is a child of the main job").isPresent();
        return new Served(main, broker.get().pid(), output, reader);
    }

    private static boolean endsWithin(long pid, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return true;
    }

    @Test
    void sigtermStopsEveryServiceAndTheEmbeddedBroker() throws Exception {
        Served s = serve();
        try {
            // SIGTERM through the process handle: Process.destroy() would also close our end of its output
            ProcessHandle.of(s.main().pid()).orElseThrow().destroy();
            assertThat(s.main().waitFor(60, TimeUnit.SECONDS)).as("main job exited").isTrue();
            assertThat(endsWithin(s.brokerPid(), 5)).as("embedded broker stopped with the main job").isTrue();
            s.reader().join(TimeUnit.SECONDS.toMillis(10));   // the last lines are read after the process ended
            assertThat(s.output()).containsSubsequence("stopping: gateway, saver, embedded Pulsar", "gateway stopped",
                    "saver stopped", "embedded Pulsar stopped", "stopped");
        } finally {
            s.main().destroyForcibly();
        }
    }

    @Test
    void sigkillLeavesNoBrokerBehind() throws Exception {
        Served s = serve();
        s.main().destroyForcibly();   // SIGKILL: nothing of the main job runs any more
        assertThat(s.main().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(endsWithin(s.brokerPid(), 30)).as("embedded broker ended after its parent was SIGKILLed").isTrue();
    }
}
