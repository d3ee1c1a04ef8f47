package io.courier.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.CodecException;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.LifecycleException;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.SubscriptionHealth;
import io.courier.SubscriptionState;
import io.courier.core.MessageServer;
import io.courier.core.ServerState;
import io.courier.testkit.Await;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MessageServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Broker broker = Brokers.open("memory://server-test");
    private final String topic = "server-" + UUID.randomUUID();

    @AfterEach
    void close() {
        broker.close();
    }

    private SubscribeOptions.Builder options(String subscription) {
        return SubscribeOptions.builder(topic, subscription).initialPosition(InitialPosition.EARLIEST);
    }

    @Test
    void aRegisteredResponderAnswersThroughTheMiddlewareWhileTheServerRunsAndNotAfterItStops() {
        List<String> calls = new CopyOnWriteArrayList<>();
        MessageServer server = MessageServer.builder(broker)
                .use(inv -> {
                    calls.add("mw:" + inv.subscription() + ":" + inv.messages().get(0).payload());
                    inv.proceed();
                })
                .build();
        server.registerResponder(options("quotes").concurrency(2).build(), String.class, m -> m.payload().length());
        assertThatThrownBy(() -> broker.request(topic, "before", Integer.class, WAIT))
                .isInstanceOf(io.courier.NoResponderException.class);
        server.start();
        assertThat(broker.request(topic, "four", Integer.class, WAIT)).isEqualTo(4);
        assertThat(calls).containsExactly("mw:quotes:four");
        assertThat(server.health()).singleElement()
                .satisfies(h -> assertThat(h.processed()).isEqualTo(1));
        server.stop(WAIT);
        assertThatThrownBy(() -> broker.request(topic, "after", Integer.class, WAIT))
                .isInstanceOf(io.courier.NoResponderException.class);
    }

    @Test
    void middlewareWrapsEveryAttemptOutermostFirst() {
        List<String> calls = new CopyOnWriteArrayList<>();
        MessageServer server = MessageServer.builder(broker)
                .use(inv -> {
                    calls.add("outer:" + inv.messages().get(0).attempt());
                    inv.proceed();
                })
                .use(inv -> {
                    calls.add("inner:" + inv.subscription());
                    inv.proceed();
                })
                .build();
        Recorder<String> rec = new Recorder<>();
        server.register(options("mw").retry(io.courier.RetryPolicy.builder().initialBackoff(Duration.ZERO).build()).build(),
                String.class, m -> {
                    if (m.attempt() == 1) {
                        throw new IllegalStateException("retry me");
                    }
                    rec.handle(m);
                });
        server.start();
        MessageId id = broker.publish(Envelope.builder(topic, "x").codec("text").build());
        rec.awaitIds(Set.of(id), WAIT);
        assertThat(calls).containsExactly("outer:1", "inner:mw", "outer:2", "inner:mw");
        server.stop(Duration.ofSeconds(5));
    }

    @Test
    void registerAfterStartOpensAtOnceAndAfterStopIsRefused() {
        MessageServer server = MessageServer.builder(broker).build();
        server.start();
        Recorder<String> rec = new Recorder<>();
        server.register(options("late").build(), String.class, rec);
        MessageId id = broker.publish(Envelope.builder(topic, "x").codec("text").build());
        rec.awaitIds(Set.of(id), WAIT);
        assertThat(server.isReady()).isTrue();
        server.stop(Duration.ofSeconds(5));
        assertThat(server.state()).isEqualTo(ServerState.STOPPED);
        assertThatThrownBy(() -> server.register(options("after-stop").build(), String.class, m -> { }))
                .isInstanceOf(LifecycleException.class).hasMessageContaining("after-stop").hasMessageContaining("STOPPED");
        assertThatThrownBy(server::start).isInstanceOf(LifecycleException.class);
        assertThat(broker.isClosed()).as("a borrowed broker stays open").isFalse();
    }

    @Test
    void duplicateRegistrationAndUnknownCodecFailAtRegister() {
        MessageServer server = MessageServer.builder(broker).build();
        server.register(options("dup").build(), String.class, m -> { });
        assertThatThrownBy(() -> server.register(options("dup").build(), String.class, m -> { }))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already registered");
        assertThatThrownBy(() -> server.register(options("codec").codec("avro").build(), String.class, m -> { }))
                .isInstanceOf(CodecException.class).hasMessageContaining("avro").hasMessageContaining("json");
    }

    @Test
    void healthReportsStalledAndRecovers() {
        CountDownLatch release = new CountDownLatch(1);
        MessageServer server = MessageServer.builder(broker).build();
        server.register(options("stall").stallThreshold(Duration.ofMillis(100)).build(), String.class,
                m -> release.await(30, TimeUnit.SECONDS));
        server.start();
        assertThat(server.isLive()).isTrue();
        broker.publish(Envelope.builder(topic, "slow").codec("text").build());
        Await.until(WAIT, () -> !server.isLive(), () -> "health: " + server.health());
        SubscriptionHealth h = server.health().get(0);
        assertThat(h.state()).isEqualTo(SubscriptionState.STALLED);
        assertThat(h.inFlight()).isEqualTo(1);
        release.countDown();
        Await.until(WAIT, server::isLive, () -> "health: " + server.health());
        assertThat(server.health().get(0).processed()).isEqualTo(1);
        server.stop(Duration.ofSeconds(5));
    }

    @Test
    void pauseHoldsNewMessagesUntilResume() {
        MessageServer server = MessageServer.builder(broker).build();
        Recorder<String> rec = new Recorder<>();
        server.register(options("pause").build(), String.class, rec);
        server.start();
        server.pause();
        Await.until(WAIT, () -> server.health().get(0).state() == SubscriptionState.PAUSED, () -> "not paused");
        MessageId id = broker.publish(Envelope.builder(topic, "held").codec("text").build());
        assertThat(broker.admin().backlog(topic, "pause")).isEqualTo(1);
        server.resume();
        rec.awaitIds(Set.of(id), WAIT);
        server.stop(Duration.ofSeconds(5));
    }

    @Test
    void serverBuiltFromUrlOwnsAndClosesItsBroker() {
        MessageServer server = MessageServer.builder("memory://server-test", io.courier.BrokerOptions.defaults()).build();
        server.start();
        server.stop(Duration.ofSeconds(1));
        assertThat(server.broker().isClosed()).isTrue();
    }

    @Test
    void appStopFromAHandlerReturnsAtOnceAndAcknowledgesTheMessage() throws Exception {
        MessageServer server = MessageServer.builder(broker).build();
        io.courier.core.App[] app = new io.courier.core.App[1];
        long[] stopNanos = {-1};
        server.register(options("app-stop").concurrency(2).build(), String.class, m -> {
            long start = System.nanoTime();
            app[0].stop();
            stopNanos[0] = System.nanoTime() - start;
        });
        app[0] = io.courier.core.App.builder().name("stopper").handleSignals(false).server(server)
                .stopTimeout(Duration.ofSeconds(30)).build();
        Thread runner = new Thread(app[0]::run, "app-run");
        runner.start();
        Await.until(WAIT, () -> server.state() == ServerState.RUNNING, () -> "server " + server.state());
        broker.publish(Envelope.builder(topic, "fatal").codec("text").build());
        runner.join(WAIT.toMillis());
        assertThat(runner.isAlive()).as("run() returned").isFalse();
        assertThat(app[0].state()).isEqualTo(ServerState.STOPPED);
        assertThat(Duration.ofNanos(stopNanos[0])).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(broker.admin().backlog(topic, "app-stop")).isZero();
    }

    @Test
    void brokerCloseFromAHandlerReturnsAtOnceAndAcknowledgesTheMessage() throws Exception {
        Broker own = Brokers.open("memory://server-test");
        long[] closeNanos = {-1};
        io.courier.Subscription s = own.subscribe(options("broker-close").concurrency(2).build(), String.class, m -> {
            long start = System.nanoTime();
            own.close();
            closeNanos[0] = System.nanoTime() - start;
        });
        own.publish(Envelope.builder(topic, "fatal").codec("text").build());
        Await.until(WAIT, () -> s.health().state() == SubscriptionState.CLOSED, () -> "state " + s.health().state());
        assertThat(Duration.ofNanos(closeNanos[0])).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        // the shared in-memory cluster outlives this client: the handled message is acknowledged there
        assertThat(broker.admin().backlog(topic, "broker-close")).isZero();
    }
}
