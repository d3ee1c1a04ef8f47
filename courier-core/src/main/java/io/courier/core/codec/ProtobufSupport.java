package io.courier.core.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.courier.CodecException;

/** Binary protobuf; loaded only when protobuf-java is present. */
final class ProtobufSupport {
    private static final ClassValue<Parser<?>> PARSERS = new ClassValue<>() {
        @Override
        protected Parser<?> computeValue(Class<?> type) {
            try {
                return (Parser<?>) type.getMethod("parser").invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new CodecException("proto: " + type.getName() + " has no static parser() method", e);
            }
        }
    };

    private ProtobufSupport() {
    }

    static boolean isMessageLite(Class<?> type) {
        return MessageLite.class.isAssignableFrom(type);
    }

    static byte[] toBinary(Object message) {
        return ((MessageLite) message).toByteArray();
    }

    static Object fromBinary(byte[] data, Class<?> type) {
        try {
            return PARSERS.get(type).parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("proto: cannot decode " + data.length + " bytes as " + type.getName() + ": "
                    + e.getMessage(), e);
        }
    }
}
