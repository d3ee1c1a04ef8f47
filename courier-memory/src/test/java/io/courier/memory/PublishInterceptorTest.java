package io.courier.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.SubscribeOptions;
import io.courier.core.PublishInterceptor;
import io.courier.testkit.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PublishInterceptorTest {

    @Test
    void interceptorsRunOutermostFirstAndMayAddHeadersOrReject() {
        List<String> calls = new CopyOnWriteArrayList<>();
        String topic = "intercept-" + UUID.randomUUID();
        try (Broker raw = Brokers.open("memory://intercept")) {
            PublishInterceptor tracing = (envelope, next) -> {
                calls.add("tracing");
                return next.apply(envelope.toBuilder().header("traceparent", "00-abc-def-01").build());
            };
            PublishInterceptor guard = (envelope, next) -> {
                calls.add("guard");
                if (envelope.payload().equals("forbidden")) {
                    return CompletableFuture.failedFuture(new PublishException("rejected by policy"));
                }
                return next.apply(envelope);
            };
            Broker broker = PublishInterceptor.intercept(raw, List.of(tracing, guard));
            Recorder<String> rec = new Recorder<>();
            broker.subscribe(SubscribeOptions.builder(topic, "s").initialPosition(InitialPosition.EARLIEST).build(), String.class, rec);
            MessageId id = broker.publish(Envelope.builder(topic, "hello").codec("text").build());
            rec.awaitIds(Set.of(id), Duration.ofSeconds(10));
            assertThat(rec.messages().get(0).headers().get("traceparent")).isEqualTo("00-abc-def-01");
            assertThat(calls).containsExactly("tracing", "guard");
            assertThatThrownBy(() -> broker.publish(Envelope.builder(topic, "forbidden").codec("text").build()))
                    .isInstanceOf(PublishException.class).hasMessage("rejected by policy");
        }
    }
}
