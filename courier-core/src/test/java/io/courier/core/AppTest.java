package io.courier.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.LifecycleException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class AppTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Duration> graces = new CopyOnWriteArrayList<>();

    /** A server that records its moves; fails to start when asked to. */
    private final class RecordingServer implements Server {
        private final String name;
        private final boolean failStart;
        private ServerState state = ServerState.NEW;

        RecordingServer(String name, boolean failStart) {
            this.name = name;
            this.failStart = failStart;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized void start() {
            if (failStart) {
                state = ServerState.FAILED;
                throw new IllegalStateException("port 8080 in use");
            }
            events.add("start " + name);
            state = ServerState.RUNNING;
        }

        @Override
        public synchronized void stop(Duration grace) {
            events.add("stop " + name);
            graces.add(grace);
            state = ServerState.STOPPED;
        }

        @Override
        public Optional<URI> endpoint() {
            return Optional.empty();
        }

        @Override
        public synchronized ServerState state() {
            return state;
        }
    }

    @Test
    void startsInOrderAndStopsInReverseWithHooks() {
        App app = App.builder().name("svc").version("1.2.3").metadata("region", "eu").handleSignals(false)
                .server(new RecordingServer("http", false), new RecordingServer("messages", false))
                .beforeStart(a -> events.add("before start"))
                .afterStart(a -> events.add("after start"))
                .beforeStop(a -> events.add("before stop"))
                .afterStop(a -> events.add("after stop"))
                .build();
        Thread runner = new Thread(app::run);
        runner.start();
        io.courier.core.AwaitState.until(() -> app.state() == ServerState.RUNNING);
        app.stop();
        assertThat(app.state()).isEqualTo(ServerState.STOPPED);
        assertThat(events).containsExactly("before start", "start http", "start messages", "after start",
                "before stop", "stop messages", "stop http", "after stop");
        assertThat(app.metadata()).containsEntry("region", "eu");
        assertThat(app.version()).isEqualTo("1.2.3");
    }

    @Test
    void aServerThatFailsToStartStopsTheOnesAlreadyStarted() {
        App app = App.builder().name("svc").handleSignals(false)
                .server(new RecordingServer("messages", false), new RecordingServer("http", true)).build();
        assertThatThrownBy(app::run).isInstanceOf(LifecycleException.class)
                .hasMessageContaining("server 'http' failed to start").hasMessageContaining("port 8080 in use")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(events).containsExactly("start messages", "stop messages");
        assertThat(app.state()).isEqualTo(ServerState.FAILED);
    }

    @Test
    void stopWithATimeoutGivesTheServersThatTimeoutInsteadOfTheBuilders() {
        App app = App.builder().handleSignals(false).stopTimeout(Duration.ofSeconds(30))
                .server(new RecordingServer("http", false), new RecordingServer("messages", false)).build();
        app.start();
        assertThatThrownBy(() -> app.stop(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        assertThat(app.stop(Duration.ofSeconds(2))).isTrue();
        assertThat(app.state()).isEqualTo(ServerState.STOPPED);
        assertThat(graces).hasSize(2).allSatisfy(g -> assertThat(g).isLessThanOrEqualTo(Duration.ofSeconds(2))
                .isGreaterThan(Duration.ofSeconds(1)));
        assertThat(app.stop(Duration.ofSeconds(9))).isTrue();
        assertThat(graces).hasSize(2);
    }

    @Test
    void cannotStartTwiceAndStopIsIdempotent() {
        App app = App.builder().handleSignals(false).server(new RecordingServer("a", false)).build();
        app.start();
        assertThatThrownBy(app::start).isInstanceOf(LifecycleException.class);
        app.stop();
        app.stop();
        assertThat(events).containsExactly("start a", "stop a");
    }

    @Test
    void invalidAppListsEveryProblem() {
        assertThatThrownBy(() -> App.builder().name(" ").version("").stopTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOfSatisfying(io.courier.ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3));
    }
}
