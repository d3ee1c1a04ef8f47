package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.embedded.ChildJvm;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The main job's happy path as {@code ./run.sh --broker X} runs it, on each embedded broker: a process of its own that
 * starts the broker, sends the reports over HTTP, checks each stored once, prints its summary, stops everything and
 * exits 0, leaving nothing running.
 */
class UbaMainRunTest {

    @ParameterizedTest(name = "--broker {0}")
    @ValueSource(strings = {"memory", "kafka", "pulsar", "rabbitmq"})
    void theMainJobStoresEveryReportOnceAndExitsCleanly(String broker) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> lines = new CopyOnWriteArrayList<>();
        List<ProcessHandle> started;
        int exit;
        try (ChildJvm main = ChildJvm.startWithLines(UbaMain.class, List.of("-Xmx1g"),
                List.of("--broker", broker, "--reports", "5000", "--http-addr", "127.0.0.1:" + port), lines::add)) {
            long pid = main.pid();
            io.courier.testkit.Await.until(Duration.ofMinutes(3), () -> lines.stream().anyMatch(l -> l.startsWith("gateway "))
                    || !main.isAlive(), () -> "not started: " + lines);
            started = ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of());
            exit = main.awaitEnd(Duration.ofMinutes(3));
        }
        assertThat(exit).as("exit code; output %s", lines).isZero();
        assertThat(lines).as("summary").anySatisfy(l -> assertThat(l).startsWith("sent 5000, accepted 5000, rejected 0, "
                + "stored 5000 rows: 5000 reports once, 0 in more than one row, 0 missing"));
        assertThat(lines).contains("stopped");
        assertThat(started).as("nothing left running").noneMatch(ProcessHandle::isAlive);
        System.out.println("[uba] main job --broker " + broker + ": "
                + lines.stream().filter(l -> l.contains("reports/s")).findFirst().orElse("(no rate line)"));
    }
}
