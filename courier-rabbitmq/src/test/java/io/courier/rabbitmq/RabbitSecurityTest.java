package io.courier.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConnectException;
import io.courier.MessageId;
import io.courier.SubscribeOptions;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMq;
import io.courier.rabbitmq.embedded.EmbeddedRabbitMqExtension;
import io.courier.testkit.Recorder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Logging in: the right credentials, from the URL or from settings, work end to end and are never shown; a wrong
 * password fails {@code open} at once, saying the broker refused the credentials, with the password in no message and
 * no log line.
 */
@ExtendWith(EmbeddedRabbitMqExtension.class)
class RabbitSecurityTest {

    @Test
    void theRightLoginFromTheUrlWorksAndIsNeverShown(EmbeddedRabbitMq rabbit) {
        String url = "amqp://" + rabbit.user() + ":" + rabbit.password() + "@127.0.0.1:" + rabbit.port();
        try (Broker broker = Brokers.open(url)) {
            assertThat(broker.url()).doesNotContain(":" + rabbit.password() + "@").contains("****@127.0.0.1");
            assertThat(broker.toString()).doesNotContain(":" + rabbit.password() + "@");
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder("secure", "secure").build(), String.class, rec);
            Set<MessageId> sent = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                sent.add(broker.publish("secure", "m-" + i));
            }
            rec.awaitIds(sent, Duration.ofSeconds(30));
            assertThat(rec.duplicates()).isZero();
        }
    }

    @Test
    void aWrongPasswordFailsTheOpenAtOnceWithoutThePasswordInAnyMessageOrLogLine(EmbeddedRabbitMq rabbit) {
        String wrong = "wrong-pw-" + System.nanoTime();
        StringBuilder logged = new StringBuilder();
        Handler julCapture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.append(r.getMessage()).append(' ').append(r.getThrown()).append('\n');
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(julCapture);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        try {
            assertThatThrownBy(() -> Brokers.open("amqp://" + rabbit.user() + ":" + wrong + "@127.0.0.1:" + rabbit.port()))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("refused the credentials")
                    .hasMessageNotContaining(wrong);
            assertThatThrownBy(() -> Brokers.open(rabbit.url(), BrokerOptions.builder().property("password", wrong).build()))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("refused the credentials")
                    .hasMessageNotContaining(wrong)
                    .satisfies(e -> assertThat(stackOf(e)).doesNotContain(wrong));
        } finally {
            System.setErr(err);
            root.removeHandler(julCapture);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[rabbitmq] two wrong passwords refused in %d ms in all%n", took.toMillis());
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain(wrong);
        assertThat(logged.toString()).doesNotContain(wrong);
        // refused by the broker at the login, a few ms each: not by a timeout
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void nothingListeningFailsTheOpenSayingSoInTheUsersTerms() {
        int port = io.courier.embedded.ChildJvm.freePort();
        assertThatThrownBy(() -> Brokers.open("amqp://127.0.0.1:" + port + "?connectTimeoutMs=2000"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("connection refused");
    }

    private static String stackOf(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
