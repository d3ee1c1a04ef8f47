package io.courier.core.codec;

import io.courier.Codec;
import io.courier.CodecException;
import java.lang.reflect.Type;

/**
 * The {@code proto} codec: binary protobuf. Needs {@code com.google.protobuf:protobuf-java} on the classpath; the
 * handler's payload type must be a generated message class. Thread-safe.
 */
public final class ProtoCodec implements Codec {
    public static final String NAME = "proto";
    public static final String CONTENT_TYPE = "application/x-protobuf";

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
        return Protobuf.toBinary(value);
    }

    @Override
    public Object decode(byte[] data, Type type) {
        if (!(type instanceof Class<?> c)) {
            throw new CodecException("proto: cannot decode into " + type.getTypeName() + "; use a generated message class");
        }
        return Protobuf.fromBinary(data, c);
    }
}
