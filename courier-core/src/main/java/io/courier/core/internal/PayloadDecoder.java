package io.courier.core.internal;

import io.courier.Codec;
import io.courier.CodecException;
import io.courier.Headers;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.RawMessage;

/**
 * Turns a raw payload into the handler's type: the subscription's codec when it names one, else the codec of the
 * message's {@code content-type}, else the broker's default. A {@code byte[]} handler gets the bytes as sent.
 * Thread-safe.
 */
final class PayloadDecoder<T> {
    private final Class<T> payloadType;
    private final Codecs codecs;
    private final Codec overrideCodec;
    private final Codec defaultCodec;

    PayloadDecoder(Class<T> payloadType, Codecs codecs, String overrideCodec, String defaultCodec) {
        this.payloadType = payloadType;
        this.codecs = codecs;
        this.overrideCodec = overrideCodec == null ? null : codecs.byName(overrideCodec);
        this.defaultCodec = codecs.byName(defaultCodec);
    }

    /** @throws RuntimeException (usually {@link CodecException}) when the payload is not a {@code T} */
    T decode(RawMessage raw) {
        Codec codec = overrideCodec;
        if (codec == null && payloadType == byte[].class) {
            // the bytes as sent: decoding JSON into byte[] would expect base64 and dead-letter every message
            return payloadType.cast(raw.payload());
        }
        if (codec == null) {
            String contentType = raw.headers().get(Headers.CONTENT_TYPE);
            if (contentType != null) {
                codec = codecs.byContentType(contentType);
                if (codec == null) {
                    throw new CodecException("no codec for content-type '" + contentType + "' of message " + raw.id()
                            + "; available codecs: " + codecs.names());
                }
            } else {
                codec = defaultCodec;
            }
        }
        Object value = codec.decode(raw.payload(), payloadType);
        if (value == null) {
            throw new CodecException(codec.name() + ": decoded null for message " + raw.id());
        }
        if (!payloadType.isInstance(value)) {
            throw new CodecException(codec.name() + ": decoded a " + value.getClass().getName() + " for message "
                    + raw.id() + ", the handler takes " + payloadType.getName());
        }
        return payloadType.cast(value);
    }
}
