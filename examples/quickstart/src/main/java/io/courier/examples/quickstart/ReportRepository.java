package io.courier.examples.quickstart;

import io.courier.Broker;
import io.courier.Envelope;
import io.courier.MessageId;

/** The data layer: it gets a {@link Broker} injected and publishes, nothing more (the article's first way). */
public final class ReportRepository {
    public static final String TOPIC = "logger.report.event";
    private final Broker broker;

    public ReportRepository(Broker broker) {
        this.broker = broker;
    }

    /** Publishes an event keyed by user, so one user's events stay in order; returns once the broker stored it. */
    public MessageId save(ReportEvent event) {
        return broker.publish(Envelope.builder(TOPIC, event).key(event.userId()).build());
    }
}
