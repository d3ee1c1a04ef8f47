package io.courier;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A subscription on one topic as {@link BrokerAdmin#subscriptions(String)} reports it. A figure the backend does not
 * keep is empty, never a made-up zero.
 *
 * @param name           the subscription's name (Kafka: the consumer or share group)
 * @param type           its type while consumers are connected (Pulsar, memory); empty where the broker does not say
 * @param consumers      consumers connected now
 * @param backlog        messages not yet acknowledged, as {@link BrokerAdmin#backlog(String, String)} counts them
 * @param unacknowledged messages delivered to consumers and not yet acknowledged (Pulsar, memory)
 * @param redeliveryRate messages per second delivered again lately (Pulsar only)
 */
public record SubscriptionInfo(String name, Optional<SubscriptionType> type, int consumers, long backlog,
                               OptionalLong unacknowledged, OptionalDouble redeliveryRate) {
    public SubscriptionInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(unacknowledged, "unacknowledged");
        Objects.requireNonNull(redeliveryRate, "redeliveryRate");
        if (consumers < 0 || backlog < 0) {
            throw new IllegalArgumentException("consumers and backlog must be zero or more, got " + consumers + " and "
                    + backlog);
        }
    }
}
