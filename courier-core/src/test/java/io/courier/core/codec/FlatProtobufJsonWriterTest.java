package io.courier.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The quick path for writing flat protobuf messages must give JsonFormat's bytes exactly, or step aside: for every
 * message below the json codec's bytes equal JsonFormat's, and the flat ones are written by the quick path.
 */
class FlatProtobufJsonWriterTest {
    private static final JsonFormat.Printer JSON_FORMAT = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final Descriptor TYPE = FlatProtobufJsonReaderTest.descriptor();
    private static final FlatProtobufJsonWriter.Fields FIELDS = FlatProtobufJsonWriter.Fields.of(TYPE);
    /** Every character Gson's HTML-safe writer escapes, with its neighbours, non-ASCII text and a lone surrogate. */
    private static final String AWKWARD = "\"\\\t\b\n\r\f<>&='\u2028\u2029\u0000\u0001\u001f\u007f /é日本\uD83D\uDE00\uD800{\"seq\":1}";

    @Test
    void flatMessagesAreWrittenByTheQuickPathExactlyAsJsonFormatPrintsThem() throws Exception {
        List<Map<String, Object>> messages = List.of(
                Map.of(),
                Map.of("name", "a"),
                Map.of("name", "", "flag", false, "small", 0, "big", 0L),   // defaults: JsonFormat leaves them out
                Map.of("event_name", "click", "event_time", 1733312345678L),
                Map.of("name", AWKWARD, "flag", true),
                Map.of("small", Integer.MIN_VALUE, "big", Long.MAX_VALUE, "zig", -5L, "fixed", 7),
                Map.of("small", Integer.MAX_VALUE, "big", Long.MIN_VALUE, "event_name", "x", "name", "y"));
        for (Map<String, Object> values : messages) {
            Message m = message(values);
            byte[] quick = FlatProtobufJsonWriter.write(m, FIELDS);
            assertThat(quick).as("quick path for %s", values).isNotNull();
            byte[] expected = JSON_FORMAT.print(m).getBytes(StandardCharsets.UTF_8);   // a lone surrogate becomes '?' in both
            assertThat(new String(quick, StandardCharsets.UTF_8)).as(values.toString())
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(quick).isEqualTo(expected);
            assertThat(ProtobufJsonSupport.toJson(m)).isEqualTo(quick);
        }
    }

    @Test
    void aMessageWithAnyOtherKindOfFieldSetIsLeftToJsonFormat() throws Exception {
        Descriptor child = TYPE.findFieldByName("child").getMessageType();
        List<Map<String, Object>> messages = List.of(
                Map.of("name", "a", "unsigned", 5),
                Map.of("ratio", 0.5),
                Map.of("color", TYPE.getFile().findEnumTypeByName("Color").findValueByName("RED")),
                Map.of("tags", List.of("a", "b")),
                Map.of("child", DynamicMessage.newBuilder(child).setField(child.findFieldByName("name"), "c").build()),
                Map.of("left", "l"),
                Map.of("maybe", ""));   // proto3 optional: printed even when empty, so JsonFormat's
        for (Map<String, Object> values : messages) {
            Message m = message(values);
            assertThat(FlatProtobufJsonWriter.write(m, FIELDS)).as("quick path must step aside for %s", values).isNull();
            assertThat(new String(ProtobufJsonSupport.toJson(m), StandardCharsets.UTF_8)).isEqualTo(JSON_FORMAT.print(m));
        }
    }

    @Test
    void proto2FieldsWithPresencePrintTheirDefaultWhenSet() throws Exception {
        Descriptor type = proto2();
        DynamicMessage m = DynamicMessage.newBuilder(type).setField(type.findFieldByName("count"), 0)
                .setField(type.findFieldByName("label"), "").build();
        byte[] quick = FlatProtobufJsonWriter.write(m);
        assertThat(quick).isNotNull();
        assertThat(new String(quick, StandardCharsets.UTF_8)).isEqualTo(JSON_FORMAT.print(m)).isEqualTo("{\"label\":\"\",\"count\":0}");
    }

    @Test
    void wellKnownTypesAreNeverWrittenByTheQuickPath() throws Exception {
        com.google.protobuf.Duration d = com.google.protobuf.Duration.newBuilder().setSeconds(1).build();
        assertThat(FlatProtobufJsonWriter.write(d)).isNull();
        assertThat(new String(ProtobufJsonSupport.toJson(d), StandardCharsets.UTF_8)).isEqualTo("\"1s\"");
    }

    private static Message message(Map<String, Object> values) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(TYPE);
        values.forEach((name, value) -> {
            FieldDescriptor f = TYPE.findFieldByName(name);
            if (value instanceof List<?> list) {
                new ArrayList<>(list).forEach(v -> b.addRepeatedField(f, v));
            } else {
                b.setField(f, value);
            }
        });
        return b.build();
    }

    /** A proto2 message whose fields have presence; numbered out of declaration order. */
    private static Descriptor proto2() throws Exception {
        DescriptorProto m = DescriptorProto.newBuilder().setName("Counted")
                .addField(FieldDescriptorProto.newBuilder().setName("count").setNumber(2).setType(Type.TYPE_INT32)
                        .setLabel(Label.LABEL_OPTIONAL).setJsonName("count"))
                .addField(FieldDescriptorProto.newBuilder().setName("label").setNumber(1).setType(Type.TYPE_STRING)
                        .setLabel(Label.LABEL_OPTIONAL).setJsonName("label"))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("counted.proto").setPackage("sample2")
                .setSyntax("proto2").addMessageType(m).build();
        return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Counted");
    }
}
