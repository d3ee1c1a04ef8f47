package io.courier.outbox;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link OutboxFaultScenarios} on an embedded Pulsar standalone. */
@ExtendWith(EmbeddedPulsarExtension.class)
class PulsarOutboxFaultTest extends OutboxFaultScenarios {
    @Override
    protected String url() {
        EmbeddedPulsar pulsar = EmbeddedPulsarExtension.shared();
        return pulsar.serviceUrl() + "?adminUrl=" + pulsar.httpUrl();
    }

    @Override
    protected String backend() {
        return "pulsar";
    }
}
