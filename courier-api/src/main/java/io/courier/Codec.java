package io.courier;

import java.lang.reflect.Type;

/**
 * Turns payload objects into bytes and back. Courier ships {@code json}, {@code proto}, {@code text} and
 * {@code bytes}; more are added by listing an implementation in
 * {@code META-INF/services/io.courier.Codec}. The publisher writes {@link #contentType()} into the
 * {@value Headers#CONTENT_TYPE} header, and a consumer decodes by that header when present.
 *
 * <p>Implementations must be thread-safe and stateless per call.
 */
public interface Codec {

    /** Short name used in options, e.g. {@code json}. Unique among codecs. */
    String name();

    /** MIME type written to the {@value Headers#CONTENT_TYPE} header, e.g. {@code application/json}. Unique. */
    String contentType();

    /**
     * Encodes {@code value}.
     *
     * @throws CodecException when this codec cannot encode that type or value
     */
    byte[] encode(Object value);

    /**
     * Decodes {@code data} into {@code type}.
     *
     * @throws CodecException when the bytes are not a valid {@code type}
     */
    Object decode(byte[] data, Type type);
}
