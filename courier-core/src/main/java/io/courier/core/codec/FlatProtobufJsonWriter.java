package io.courier.core.codec;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.MessageOrBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The writing half of {@link FlatProtobufJsonReader}: a message whose set fields are all singular strings, booleans and
 * signed 32/64-bit integers is written straight into a {@code StringBuilder}, byte for byte as the json codec's
 * {@code JsonFormat} printer ({@code omittingInsignificantWhitespace}) writes it: fields in field-number order under
 * their JSON names, 64-bit integers quoted, strings escaped as Gson escapes them (HTML-safe, which is what
 * {@code JsonFormat} uses). {@code JsonFormat} builds a sorted map of the set fields and a Gson writer per string; in the
 * example's gateway it allocated 15 % of all the bytes of a load run (JFR). {@link #write} answers {@code null} for any
 * message it does not fully cover (a set field of another kind, an extendable or well-known type), and the caller
 * prints that one with {@code JsonFormat}. Thread-safe: the per-type field tables are immutable.
 */
final class FlatProtobufJsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The fields of a type in number order: those written here, and those that send a message to JsonFormat. */
    record Fields(FieldDescriptor[] writable, String[] keys, FieldDescriptor[] others, boolean refused) {
        static Fields of(Descriptor type) {
            boolean refused = FlatProtobufJsonReader.wellKnown(type) || type.isExtendable();
            List<FieldDescriptor> sorted = new ArrayList<>(type.getFields());
            sorted.sort(Comparator.comparingInt(FieldDescriptor::getNumber));
            List<FieldDescriptor> writable = new ArrayList<>();
            List<FieldDescriptor> others = new ArrayList<>();
            for (FieldDescriptor f : sorted) {
                (FlatProtobufJsonReader.flatScalar(f) ? writable : others).add(f);
            }
            String[] keys = writable.stream().map(f -> "\"" + f.getJsonName() + "\":").toArray(String[]::new);
            return new Fields(writable.toArray(new FieldDescriptor[0]), keys, others.toArray(new FieldDescriptor[0]), refused);
        }
    }

    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> type) {
            return Fields.of(ProtobufJsonSupport.defaultInstance(type).getDescriptorForType());
        }
    };

    private FlatProtobufJsonWriter() {
    }

    /** The message as JsonFormat prints it, in UTF-8, or null when JsonFormat must print it. */
    static byte[] write(MessageOrBuilder message) {
        Class<?> type = message.getDefaultInstanceForType().getClass();
        Fields fields;
        try {
            fields = type == DynamicMessage.class ? null : FIELDS.get(type);
        } catch (io.courier.CodecException notGenerated) {
            fields = null;   // a Message implemented by hand has no static getDefaultInstance()
        }
        // a DynamicMessage's fields come from its descriptor, not its class (rare enough not to be cached)
        return write(message, fields != null ? fields : Fields.of(message.getDescriptorForType()));
    }

    /** As {@link #write(MessageOrBuilder)} with the fields of the message's type given. */
    static byte[] write(MessageOrBuilder message, Fields fields) {
        if (fields.refused()) {
            return null;
        }
        for (FieldDescriptor other : fields.others()) {
            if (other.isRepeated() ? message.getRepeatedFieldCount(other) > 0 : message.hasField(other)) {
                return null;
            }
        }
        StringBuilder json = new StringBuilder(256).append('{');
        FieldDescriptor[] writable = fields.writable();
        for (int i = 0; i < writable.length; i++) {
            FieldDescriptor field = writable[i];
            if (!message.hasField(field)) {
                continue;   // as in JsonFormat's getAllFields: proto3 scalars at their default, unset fields with presence
            }
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(fields.keys()[i]);
            Object value = message.getField(field);
            switch (field.getType()) {
                case STRING -> string(json, (String) value);
                case INT64, SINT64, SFIXED64 -> json.append('"').append((long) (Long) value).append('"');
                default -> json.append(value);   // a Boolean or an Integer, printed as JsonFormat prints them
            }
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string escaped as Gson's HTML-safe writer escapes it; the runs between escapes are appended whole. */
    private static void string(StringBuilder json, String s) {
        json.append('"');
        int plainFrom = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != '=' && c != '\''
                    && c != '\u2028' && c != '\u2029') {
                continue;
            }
            json.append(s, plainFrom, i);
            plainFrom = i + 1;
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\f' -> json.append("\\f");
                default -> unicode(json, c);   // other control characters, the HTML-sensitive five, U+2028, U+2029
            }
        }
        json.append(s, plainFrom, s.length()).append('"');
    }

    private static void unicode(StringBuilder json, char c) {
        json.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
    }
}
