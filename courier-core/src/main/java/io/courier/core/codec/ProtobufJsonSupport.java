package io.courier.core.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.courier.CodecException;
import java.nio.charset.StandardCharsets;

/** Protobuf's canonical JSON mapping; loaded only when protobuf-java-util is present. */
final class ProtobufJsonSupport {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final ClassValue<Message> DEFAULTS = new ClassValue<>() {
        @Override
        protected Message computeValue(Class<?> type) {
            try {
                return (Message) type.getMethod("getDefaultInstance").invoke(null);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new CodecException("json: " + type.getName() + " is not a full protobuf Message (lite messages "
                        + "have no JSON format)", e);
            }
        }
    };

    private ProtobufJsonSupport() {
    }

    /** The default instance of a full protobuf message class (a {@link CodecException} for a lite one). */
    static Message defaultInstance(Class<?> type) {
        return DEFAULTS.get(type);
    }

    static byte[] toJson(Object message) {
        if (!(message instanceof MessageOrBuilder m)) {
            throw new CodecException("json: " + message.getClass().getName() + " is a lite protobuf message; use the proto codec");
        }
        byte[] quick = FlatProtobufJsonWriter.write(m);
        if (quick != null) {
            return quick;
        }
        try {
            return PRINTER.print(m).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("json: cannot encode " + message.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    static Object fromJson(byte[] data, Class<?> type) {
        Message quick = FlatProtobufJsonReader.read(data, type, DEFAULTS.get(type).newBuilderForType());
        if (quick != null) {
            return quick;
        }
        Message.Builder builder = DEFAULTS.get(type).newBuilderForType();
        try {
            PARSER.merge(new String(data, StandardCharsets.UTF_8), builder);
            return builder.build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new CodecException("json: cannot decode " + data.length + " bytes as " + type.getName() + ": "
                    + e.getMessage(), e);
        }
    }
}
