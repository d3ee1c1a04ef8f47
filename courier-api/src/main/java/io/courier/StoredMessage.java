package io.courier;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A message as the broker stores it, read without a subscription by {@link BrokerAdmin#peek(String, int)}: nothing
 * was delivered or acknowledged to read it.
 *
 * @param topic       the topic (a partition's name on a partitioned Pulsar topic)
 * @param id          its id on the broker, as {@link MessageId#value()} writes it
 * @param key         its key
 * @param headers     its headers, the content type among them
 * @param payload     the payload exactly as published
 * @param publishTime when the broker stored it
 * @param eventTime   the producer's event time, if given
 */
public record StoredMessage(String topic, String id, Optional<String> key, Headers headers, byte[] payload,
                            Instant publishTime, Optional<Instant> eventTime) {
    public StoredMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(publishTime, "publishTime");
        Objects.requireNonNull(eventTime, "eventTime");
    }
}
