package io.courier.core.spi;

import io.courier.Headers;
import java.time.Instant;

/**
 * An encoded message on its way to a backend: what {@code AbstractBroker} hands to its {@code send}.
 *
 * @param topic     validated topic name
 * @param payload   encoded bytes; never null
 * @param key       message key, or null
 * @param headers   headers including {@code content-type}
 * @param deliverAt earliest delivery time, or null for immediate delivery
 * @param eventTime application event time, or null
 */
public record OutboundMessage(String topic, byte[] payload, String key, Headers headers, Instant deliverAt,
                              Instant eventTime) {
}
