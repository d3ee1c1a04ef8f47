package io.courier.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM started through ParentWatch: its exit code, its output in a file, stop and kill. */
class ChildJvmTest {
    @TempDir
    Path dir;

    /** Prints its argument and exits with code 3. */
    public static final class ExitsWithThree {
        public static void main(String[] args) {
            System.out.println("said " + args[0]);
            System.exit(3);
        }
    }

    /** Prints a line and waits until stopped. */
    public static final class WaitsForever {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("waiting");
            System.out.flush();
            new CountDownLatch(1).await();
        }
    }

    @Test
    void aToolRunsToItsEndAndItsOutputIsKept() {
        Path out = dir.resolve("tool.out");
        int exit = ChildJvm.run(List.of("-Xmx32m"), System.getProperty("java.class.path"),
                ExitsWithThree.class.getName(), List.of("hello"), out, Duration.ofSeconds(60));
        assertThat(exit).isEqualTo(3);
        assertThat(ChildJvm.tail(out, 5)).isEqualTo("said hello");
    }

    @Test
    void aBrokerLikeChildStopsOnSigtermAndDiesOnSigkill() throws Exception {
        for (boolean kill : new boolean[] {false, true}) {
            Path out = dir.resolve("child-" + kill + ".out");
            ChildJvm child = ChildJvm.start(List.of("-Xmx32m"), System.getProperty("java.class.path"),
                    WaitsForever.class.getName(), List.of(), out);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.exists(out) && Files.readString(out).contains("waiting")) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
            assertThat(child.isAlive()).isTrue();
            if (kill) {
                child.kill();
            } else {
                child.stop(Duration.ofSeconds(30));
            }
            assertThat(child.isAlive()).isFalse();
        }
        assertThat(ChildJvm.freePort()).isBetween(1, 65535);
    }
}
