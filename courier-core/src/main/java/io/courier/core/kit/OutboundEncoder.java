package io.courier.core.kit;

import io.courier.BrokerOptions;
import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.Codec;
import io.courier.Envelope;
import io.courier.Headers;
import io.courier.InvalidTopicException;
import io.courier.PayloadTooLargeException;
import io.courier.core.codec.BytesCodec;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.TopicNaming;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an {@link Envelope} into the {@link OutboundMessage} a backend sends, checking on the way what every backend
 * would otherwise check again: the topic's name, a delivery time where the backend has no delayed delivery, and the
 * payload's size against {@link Capabilities#maxPayloadBytes()}. The codec's content type becomes the
 * {@code content-type} header (left out for the default codec when the broker's options say so). Thread-safe.
 */
final class OutboundEncoder {
    private final Codecs codecs;
    private final Codec defaultCodec;
    private final BrokerOptions options;
    private final String url;
    /** Most envelopes carry no headers of their own: one immutable header set per content type serves them all. */
    private final Map<String, Headers> contentTypeOnly = new ConcurrentHashMap<>();

    OutboundEncoder(Codecs codecs, BrokerOptions options, String url) {
        this.codecs = codecs;
        this.defaultCodec = codecs.byName(options.defaultCodec());
        this.options = options;
        this.url = url;
    }

    /**
     * @throws InvalidTopicException               for a topic the backend does not take
     * @throws io.courier.UnsupportedFeatureException for a delivery time on a backend without delayed delivery
     * @throws PayloadTooLargeException            for a payload over the backend's limit
     * @throws RuntimeException                    from the codec, for a payload it cannot encode
     */
    OutboundMessage encode(Envelope e, TopicNaming naming, Capabilities capabilities) {
        String topicProblem = naming.problem(e.topic());
        if (topicProblem != null) {
            throw new InvalidTopicException(topicProblem);
        }
        if (e.deliverAt().isPresent() || e.deliverAfter().isPresent()) {
            capabilities.require(Capability.DELAYED_DELIVERY, "publish to '" + e.topic() + "' with a delivery time");
        }
        Codec codec = e.codec().map(codecs::byName).orElse(defaultCodec);
        byte[] payload = codec.encode(e.payload());
        long limit = capabilities.maxPayloadBytes();
        if (limit > 0 && payload.length > limit) {
            String instead = capabilities.missing().get(Capability.LARGE_PAYLOADS);
            throw new PayloadTooLargeException("publish to '" + e.topic() + "' on " + url + " rejected: payload of "
                    + payload.length + " bytes is over the " + limit + " bytes " + capabilities.backend() + " takes"
                    + (instead == null ? "" : "; " + instead), payload.length, limit);
        }
        return new OutboundMessage(e.topic(), payload, e.key().orElse(null), headers(e, codec), deliverAt(e),
                e.eventTime().orElse(null));
    }

    private Headers headers(Envelope e, Codec codec) {
        if (codec == defaultCodec && options.omitDefaultContentType() && !e.headers().contains(Headers.CONTENT_TYPE)) {
            return e.headers();   // consumers decode a message without a content type with the default codec
        }
        if (e.headers().isEmpty()) {
            return contentTypeOnly.computeIfAbsent(codec.contentType(), ct -> Headers.of(Headers.CONTENT_TYPE, ct));
        }
        if (BytesCodec.NAME.equals(codec.name()) && e.headers().contains(Headers.CONTENT_TYPE)) {
            return e.headers();   // bytes relayed as they are (a replayed dead letter): they keep their own type
        }
        return e.headers().with(Headers.CONTENT_TYPE, codec.contentType());
    }

    private Instant deliverAt(Envelope e) {
        if (e.deliverAfter().isPresent() && !e.deliverAfter().get().isZero()) {
            return options.clock().instant().plus(e.deliverAfter().get());
        }
        return e.deliverAt().orElse(null);
    }
}
