package io.courier.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Headers;
import io.courier.MessageId;
import io.courier.RetryLetter;
import io.courier.core.spi.RawMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A message back from the retry topic looks like the original, on its next attempt, and is settled there. */
class RetryTopicConsumerTest {
    private final FakeConsumer main = new FakeConsumer();
    private final FakeConsumer retry = new FakeConsumer();
    private final RetryTopicConsumer joined = new RetryTopicConsumer(main, retry);

    @Test
    void aRetriedMessageComesBackWithItsOriginalTopicIdAndAttemptAndIsAcknowledgedOnTheRetryTopic() throws Exception {
        RawMessage back = new RawMessage("orders-saver-RETRY", MessageId.of("r-1"), "k",
                Headers.builder().put(RetryLetter.ATTEMPT, "3").put(RetryLetter.ORIGINAL_TOPIC, "orders")
                        .put(RetryLetter.ORIGINAL_MESSAGE_ID, "o-7").put("trace", "t").build(),
                "x".getBytes(StandardCharsets.UTF_8), Instant.EPOCH, null, 0, "retried");
        retry.deliver(back);
        main.deliver("k", "fresh");
        RawMessage first = joined.receive(10, TimeUnit.MILLISECONDS);
        assertThat(first.topic()).isEqualTo("orders");
        assertThat(first.id()).isEqualTo(MessageId.of("o-7"));
        assertThat(first.headers().names()).containsExactly("trace");
        assertThat(RetryTopicConsumer.attemptOf(first)).isEqualTo(3);
        assertThat(new Delivery<String>(first, "k").attempt).isEqualTo(3);
        RawMessage second = joined.receive(10, TimeUnit.MILLISECONDS);
        assertThat(RetryTopicConsumer.attemptOf(second)).isEqualTo(1);
        joined.ack(first);
        joined.ack(second);
        assertThat(retry.acked).containsExactly("retried");
        assertThat(main.acked).containsExactly("fresh");
        joined.close();
        assertThat(main.closed).isTrue();
        assertThat(retry.closed).isTrue();
    }
}
