package io.courier.outbox;

import io.courier.nats.embedded.EmbeddedNatsExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link OutboxFaultScenarios} on a private NATS JetStream server. */
@ExtendWith(EmbeddedNatsExtension.class)
class NatsOutboxFaultTest extends OutboxFaultScenarios {
    @Override
    protected String url() {
        return EmbeddedNatsExtension.shared().url();
    }

    @Override
    protected String consumerUrl() {
        return url() + "?ackWaitMs=1000";   // a dead consumer's messages come back after the ack wait
    }

    @Override
    protected String backend() {
        return "nats";
    }
}
