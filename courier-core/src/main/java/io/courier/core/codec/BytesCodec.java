package io.courier.core.codec;

import io.courier.Codec;
import io.courier.CodecException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;

/**
 * The {@code bytes} codec: raw bytes, unchanged. Encodes {@code byte[]} and {@link ByteBuffer} (its remaining bytes);
 * decodes into {@code byte[]} or {@link ByteBuffer}. Thread-safe.
 */
public final class BytesCodec implements Codec {
    public static final String NAME = "bytes";
    public static final String CONTENT_TYPE = "application/octet-stream";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public byte[] encode(Object value) {
        if (value instanceof byte[] b) {
            return b;
        }
        if (value instanceof ByteBuffer buf) {
            byte[] out = new byte[buf.remaining()];
            buf.duplicate().get(out);
            return out;
        }
        throw new CodecException("bytes: can only encode byte[] or ByteBuffer, got " + value.getClass().getName());
    }

    @Override
    public Object decode(byte[] data, Type type) {
        if (type == byte[].class || type == Object.class) {
            return data;
        }
        if (type == ByteBuffer.class) {
            return ByteBuffer.wrap(data).asReadOnlyBuffer();
        }
        throw new CodecException("bytes: can only decode into byte[] or ByteBuffer, not " + type.getTypeName());
    }
}
