package io.courier.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quick path for flat protobuf JSON must give exactly JsonFormat's message, or step aside: for every payload below
 * the json codec's result (message or error) equals JsonFormat's own, and the plain payloads are read by the quick
 * path (so the speed it was made for is not lost to a silent fallback).
 */
class FlatProtobufJsonReaderTest {
    private static final JsonFormat.Parser JSON_FORMAT = JsonFormat.parser().ignoringUnknownFields();
    private static final Descriptor TYPE = descriptor();
    private static final FlatProtobufJsonReader.Fields FIELDS = FlatProtobufJsonReader.Fields.of(TYPE);

    /** Payloads the quick path reads itself. */
    private static final List<String> PLAIN = List.of(
            "{}",
            " { } ",
            "{\"name\":\"a\"}",
            "{\"name\":\"\",\"flag\":false,\"small\":0,\"big\":\"0\"}",
            "{\"eventName\":\"click\",\"event_time\":\"1733312345678\"}",
            "{\"event_name\":\"x\"}",
            "{\"name\":\"caf\\u00e9 \\\"q\\\" \\n\",\"flag\":true}",
            "{\"name\":\"日本\"}",
            "{\"small\":-2147483648,\"big\":9223372036854775807,\"zig\":\"-5\",\"fixed\":7}",
            "{\"small\":\"+12\",\"big\":-0}",
            "{\"unknown\":{\"deep\":[1,2,{\"x\":null}]},\"name\":\"kept\",\"other\":null}",
            "{\"name\":\"a\",\"unknownNumber\":1e400}");

    /** Payloads left to JsonFormat: its answer, message or error, is the codec's. */
    private static final List<String> OTHERS = List.of(
            "{\"name\":null}",
            "{\"name\":1}",
            "{\"name\":true}",
            "{\"flag\":\"true\"}",
            "{\"flag\":1}",
            "{\"small\":1.0}",
            "{\"small\":\"1.0\"}",
            "{\"small\":1e2}",
            "{\"small\":2147483648}",
            "{\"big\":\"9223372036854775808\"}",
            "{\"big\":\" 1\"}",
            "{\"name\":\"a\",\"name\":\"b\"}",
            "{\"eventName\":\"a\",\"event_name\":\"b\"}",
            "{\"unsigned\":5}",
            "{\"ratio\":0.5}",
            "{\"ratio\":\"NaN\"}",
            "{\"color\":\"RED\"}",
            "{\"color\":1}",
            "{\"tags\":[\"a\",\"b\"]}",
            "{\"child\":{\"name\":\"c\"}}",
            "{\"left\":\"l\"}",
            "{\"maybe\":\"m\"}",
            "{\"[ext.field]\":1}",
            "{\"name\":\"a\"} trailing",
            "{\"name\":\"a\"}{}",
            "{\"name\":\"a\"",
            "[]",
            "null",
            "\"text\"",
            "",
            "{name:\"a\"}",
            "{'name':'a'}",
            "{\"name\":\"a\",}",
            "\uFEFF{\"name\":\"a\"}",
            "{\"name\":\"\u0001\"}");

    @Test
    void plainPayloadsAreReadByTheQuickPathExactlyAsJsonFormatReadsThem() throws Exception {
        for (String json : PLAIN) {
            Message quick = FlatProtobufJsonReader.read(bytes(json), FIELDS, DynamicMessage.newBuilder(TYPE));
            assertThat(quick).as("quick path for %s", json).isNotNull();
            assertThat(quick).as(json).isEqualTo(jsonFormat(json));
        }
    }

    @Test
    void everyOtherPayloadIsLeftToJsonFormat() {
        for (String json : OTHERS) {
            assertThat(FlatProtobufJsonReader.read(bytes(json), FIELDS, DynamicMessage.newBuilder(TYPE)))
                    .as("quick path must step aside for %s", json).isNull();
        }
    }

    @Test
    void invalidUtf8IsLeftToJsonFormat() {
        byte[] invalid = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThat(FlatProtobufJsonReader.read(invalid, FIELDS, DynamicMessage.newBuilder(TYPE))).isNull();
    }

    @Test
    void wellKnownTypesAreNeverReadByTheQuickPath() {
        FlatProtobufJsonReader.Fields duration = FlatProtobufJsonReader.Fields.of(com.google.protobuf.Duration.getDescriptor());
        assertThat(duration.readable()).isEmpty();
        assertThat(FlatProtobufJsonReader.read(bytes("{\"seconds\":1}"), duration, com.google.protobuf.Duration.newBuilder())).isNull();
    }

    private static Message jsonFormat(String json) throws Exception {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(TYPE);
        JSON_FORMAT.merge(json, b);
        return b.build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A proto3 message with each kind of field the quick path reads, and each kind it leaves to JsonFormat. */
    static Descriptor descriptor() {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName("Sample")
                .addField(field("name", 1, Type.TYPE_STRING))
                .addField(field("flag", 2, Type.TYPE_BOOL))
                .addField(field("small", 3, Type.TYPE_INT32))
                .addField(field("big", 4, Type.TYPE_INT64))
                .addField(field("zig", 5, Type.TYPE_SINT64))
                .addField(field("fixed", 6, Type.TYPE_SFIXED32))
                .addField(field("event_name", 7, Type.TYPE_STRING))
                .addField(field("event_time", 8, Type.TYPE_INT64))
                .addField(field("unsigned", 9, Type.TYPE_UINT32))
                .addField(field("ratio", 10, Type.TYPE_DOUBLE))
                .addField(field("color", 11, Type.TYPE_ENUM).setTypeName(".sample.Color"))
                .addField(field("tags", 12, Type.TYPE_STRING).setLabel(Label.LABEL_REPEATED))
                .addField(field("child", 13, Type.TYPE_MESSAGE).setTypeName(".sample.Sample"))
                .addField(field("left", 14, Type.TYPE_STRING).setOneofIndex(0))
                .addField(field("right", 15, Type.TYPE_INT32).setOneofIndex(0))
                .addField(field("maybe", 16, Type.TYPE_STRING).setOneofIndex(1).setProto3Optional(true))
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("side"))
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_maybe"));
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("sample.proto").setPackage("sample")
                .setSyntax("proto3").addMessageType(m)
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Color")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("NONE").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(1)))
                .build();
        try {
            return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Sample");
        } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).setLabel(Label.LABEL_OPTIONAL)
                .setJsonName(lowerCamel(name));
    }

    private static String lowerCamel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
