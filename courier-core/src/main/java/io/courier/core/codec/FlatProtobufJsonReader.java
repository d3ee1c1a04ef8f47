package io.courier.core.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A quick path for the common protobuf JSON payload: one flat object whose fields are singular strings, booleans and
 * 32/64-bit signed integers, read with Jackson's streaming parser straight into the message's builder. Protobuf's own
 * {@code JsonFormat} builds a Gson tree of the whole payload first, which for small flat messages costs more than the
 * rest of consuming them. Everything else is left to {@code JsonFormat}: {@link #read} answers {@code null} for any
 * payload it does not fully understand (a nested, repeated, map, enum, floating, unsigned, bytes or oneof field, a
 * well-known type, a null, a field given twice, a value of another JSON type, a number that is not a plain integer,
 * trailing data, a byte-order mark, anything Jackson refuses), and the caller then parses it with {@code JsonFormat}, so
 * results and errors are {@code JsonFormat}'s whenever the quick path is unsure. Unknown fields are skipped, as the
 * json codec's {@code JsonFormat} parser ignores them. Thread-safe: the per-type field tables are immutable.
 */
final class FlatProtobufJsonReader {
    private static final JsonFactory JSON = new JsonFactory();

    /** JSON name and proto name of each field the quick path reads; the other fields, by both names, to refuse. */
    record Fields(Map<String, FieldDescriptor> readable, Set<String> others) {
        static Fields of(Descriptor type) {
            Map<String, FieldDescriptor> readable = new HashMap<>();
            Set<String> others = new HashSet<>();
            boolean wellKnown = wellKnown(type);
            for (FieldDescriptor f : type.getFields()) {
                boolean quick = !wellKnown && flatScalar(f);
                for (String name : new String[] {f.getName(), f.getJsonName()}) {
                    if (quick) {
                        readable.put(name, f);
                    } else {
                        others.add(name);
                    }
                }
            }
            return new Fields(Map.copyOf(readable), Set.copyOf(others));
        }
    }

    /** A type of protobuf's own (Duration, Timestamp, wrappers …): JsonFormat gives those a JSON form of their own. */
    static boolean wellKnown(Descriptor type) {
        return type.getFile().getPackage().equals("google.protobuf");
    }

    /** A field both quick paths handle: a singular string, boolean or signed 32/64-bit integer, outside any oneof. */
    static boolean flatScalar(FieldDescriptor f) {
        return !f.isRepeated() && f.getContainingOneof() == null && switch (f.getType()) {
            case STRING, BOOL, INT32, SINT32, SFIXED32, INT64, SINT64, SFIXED64 -> true;
            default -> false;
        };
    }

    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> type) {
            return Fields.of(ProtobufJsonSupport.defaultInstance(type).getDescriptorForType());
        }
    };

    private FlatProtobufJsonReader() {
    }

    /** The message read from {@code data} into {@code builder}, or null when {@code JsonFormat} must read it. */
    static Message read(byte[] data, Class<?> type, Message.Builder builder) {
        return read(data, FIELDS.get(type), builder);
    }

    /** As {@link #read(byte[], Class, Message.Builder)} with the fields of the builder's type given. */
    static Message read(byte[] data, Fields fields, Message.Builder builder) {
        if (data.length >= 3 && (data[0] & 0xFF) == 0xEF && (data[1] & 0xFF) == 0xBB && (data[2] & 0xFF) == 0xBF) {
            return null;   // Jackson skips a byte-order mark; JsonFormat's reader does not
        }
        try (JsonParser p = JSON.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            long seen = 0;   // by field index; a message of more than 64 fields is rarely flat, and is left to JsonFormat
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                FieldDescriptor field = fields.readable().get(name);
                if (field == null) {
                    if (fields.others().contains(name) || name.startsWith("[")) {
                        return null;   // a field JsonFormat reads (or an extension): its mapping is JsonFormat's
                    }
                    p.skipChildren();   // unknown: ignored, as by the json codec's JsonFormat parser
                    continue;
                }
                long bit = 1L << field.getIndex();
                if (field.getIndex() >= 64 || (seen & bit) != 0 || !set(builder, field, value, p)) {
                    return null;
                }
                seen |= bit;
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return builder.build();
        } catch (IOException | RuntimeException e) {
            return null;   // malformed, or a value out of range: JsonFormat gives the answer and its error
        }
    }

    /** Sets one scalar as JsonFormat would for the same token; false when the token is not the plain case. */
    private static boolean set(Message.Builder builder, FieldDescriptor field, JsonToken value, JsonParser p) throws IOException {
        switch (field.getJavaType()) {
            case STRING -> {
                if (value != JsonToken.VALUE_STRING) {
                    return false;
                }
                builder.setField(field, p.getText());
            }
            case BOOLEAN -> {
                if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                    return false;
                }
                builder.setField(field, value == JsonToken.VALUE_TRUE);
            }
            // JsonFormat reads an integer from the number's or the string's text with parseInt / parseLong first
            case INT -> {
                if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_STRING) {
                    return false;
                }
                builder.setField(field, Integer.parseInt(p.getText()));
            }
            case LONG -> {
                if (value == JsonToken.VALUE_NUMBER_INT) {
                    builder.setField(field, p.getLongValue());   // Jackson refuses a number past a long, as parseLong does
                } else if (value == JsonToken.VALUE_STRING) {
                    builder.setField(field, Long.parseLong(p.getText()));
                } else {
                    return false;
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
