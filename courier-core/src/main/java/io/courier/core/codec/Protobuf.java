package io.courier.core.codec;

import io.courier.CodecException;

/**
 * Bridges to protobuf without making it a hard dependency: the classes that name protobuf types are only loaded
 * after {@link #PRESENT} says protobuf-java is on the classpath.
 */
final class Protobuf {
    static final boolean PRESENT = present("com.google.protobuf.MessageLite");
    static final boolean JSON_PRESENT = PRESENT && present("com.google.protobuf.util.JsonFormat");

    private Protobuf() {
    }

    static boolean isMessage(Class<?> type) {
        return PRESENT && ProtobufSupport.isMessageLite(type);
    }

    static byte[] toJson(Object message) {
        requireJson(message.getClass());
        return ProtobufJsonSupport.toJson(message);
    }

    static Object fromJson(byte[] data, Class<?> type) {
        requireJson(type);
        return ProtobufJsonSupport.fromJson(data, type);
    }

    static byte[] toBinary(Object message) {
        requireBinary(message.getClass());
        return ProtobufSupport.toBinary(message);
    }

    static Object fromBinary(byte[] data, Class<?> type) {
        requireBinary(type);
        return ProtobufSupport.fromBinary(data, type);
    }

    private static void requireBinary(Class<?> type) {
        if (!PRESENT) {
            throw new CodecException("proto: protobuf-java is not on the classpath; add com.google.protobuf:protobuf-java");
        }
        if (!ProtobufSupport.isMessageLite(type)) {
            throw new CodecException("proto: " + type.getName() + " is not a protobuf message");
        }
    }

    private static void requireJson(Class<?> type) {
        if (!JSON_PRESENT) {
            throw new CodecException("json: " + type.getName()
                    + " is a protobuf message; add com.google.protobuf:protobuf-java-util for protobuf's JSON format");
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Protobuf.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
