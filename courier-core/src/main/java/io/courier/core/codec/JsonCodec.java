package io.courier.core.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.courier.Codec;
import io.courier.CodecException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code json} codec: Jackson for plain objects and records (ISO-8601 times, unknown properties ignored so that
 * producers can add fields, anything after the JSON value refused), and protobuf's JSON format for protobuf messages when protobuf-java and
 * protobuf-java-util are on the classpath (as Kratos' json codec does). One mapper is shared. Thread-safe.
 *
 * <p>A protobuf message whose JSON is one flat object of strings, booleans and signed integers is read with Jackson's
 * streaming parser directly into the message (about 2.5 times protobuf's {@code JsonFormat} on the example's reports);
 * any other payload, and any payload the quick path is unsure of, is read by {@code JsonFormat}, so results and errors
 * are the same. Likewise a protobuf message whose set fields are all of those kinds is written directly, byte for byte
 * as {@code JsonFormat} prints it (about 1.5 times its speed, less than half its garbage); any other is printed by it.
 *
 * <p>Decoding into an object type (a record or a class with properties, not a map, a collection or a tree) refuses
 * a JSON object that has none of the type's properties: {@code {}}, or one whose every property is unknown to the
 * type (an {@code Order} sent to a handler of {@code Invoice}). Tolerating unknown properties is for schema evolution;
 * an object made from none of its own properties is a payload of another type. Jackson's
 * {@code @JsonProperty(required = true)} is honoured on constructor parameters and record components (Jackson's rule:
 * not on setters or fields).
 */
public final class JsonCodec implements Codec {
    public static final String NAME = "json";
    public static final String CONTENT_TYPE = "application/json";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .registerModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "{}" followed by junk is a damaged payload, not an empty object
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .addHandler(new UnknownPropertyCounter());

    /** The current decode on this thread: the type decoded and the unknown properties met for that type. */
    private static final ThreadLocal<Decoding> DECODING = ThreadLocal.withInitial(Decoding::new);

    private static final class Decoding {
        Class<?> type;
        final java.util.Set<String> unknown = new java.util.HashSet<>();
    }

    /** A reader per payload type, so that a message's decode does not resolve its type again (bounded: types are few). */
    private static final Map<Type, Reader> READERS = new ConcurrentHashMap<>();
    private static final int MAX_READERS = 1_000;

    /** The shared mapper; configure a copy ({@code mapper().copy()}) rather than this instance. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

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
        if (Protobuf.isMessage(value.getClass())) {
            return Protobuf.toJson(value);
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new CodecException("json: cannot encode " + value.getClass().getName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public Object decode(byte[] data, Type type) {
        if (type instanceof Class<?> c && Protobuf.isMessage(c)) {
            return Protobuf.fromJson(data, c);
        }
        Reader reader = readerFor(type);
        Decoding decoding = DECODING.get();
        decoding.type = reader.bean ? reader.rawClass : null;
        if (!decoding.unknown.isEmpty()) {
            decoding.unknown.clear();
        }
        try {
            Object value = reader.reader.readValue(data);
            if (value == null) {
                throw new CodecException("json: payload is null, expected " + type.getTypeName());
            }
            if (reader.bean && (!decoding.unknown.isEmpty() || isEmptyObject(data))) {
                refuseForeignObject(data, type, decoding.unknown);
            }
            return value;
        } catch (IOException e) {
            throw new CodecException("json: cannot decode " + data.length + " bytes as " + type.getTypeName() + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    /** A type's reader, and whether the type is an object with properties (the foreign-object rule applies). */
    private record Reader(ObjectReader reader, boolean bean, Class<?> rawClass) {
    }

    private static Reader readerFor(Type type) {
        Reader reader = READERS.get(type);
        if (reader == null) {
            JavaType javaType = MAPPER.getTypeFactory().constructType(type);
            boolean bean = !javaType.isContainerType() && !javaType.isPrimitive() && !javaType.isEnumType()
                    && !javaType.isJavaLangObject() && !javaType.isTypeOrSubTypeOf(JsonNode.class)
                    && !javaType.isTypeOrSubTypeOf(CharSequence.class) && !javaType.isTypeOrSubTypeOf(Number.class)
                    && !javaType.isTypeOrSubTypeOf(Boolean.class) && !javaType.isTypeOrSubTypeOf(java.time.temporal.Temporal.class)
                    && !javaType.isTypeOrSubTypeOf(java.util.Date.class) && !javaType.isTypeOrSubTypeOf(java.util.UUID.class)
                    && MAPPER.getDeserializationConfig().introspect(javaType).findProperties().size() > 0;
            reader = new Reader(MAPPER.readerFor(javaType), bean, javaType.getRawClass());
            if (READERS.size() < MAX_READERS) {
                READERS.putIfAbsent(type, reader);
            }
        }
        return reader;
    }

    private static boolean isEmptyObject(byte[] data) {
        if (data.length > 64) {
            return false;
        }
        int seen = 0;
        for (byte b : data) {
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            }
            if ((seen == 0 && b != '{') || (seen == 1 && b != '}') || seen > 1) {
                return false;
            }
            seen++;
        }
        return seen == 2;
    }

    /**
     * The rare path, taken only when the payload had properties unknown to the type: had its top level any known one?
     * A name unknown to the type anywhere in the payload is unknown at its top level too, so the set is exact.
     */
    private static void refuseForeignObject(byte[] data, Type type, java.util.Set<String> unknown) throws IOException {
        List<String> names = new ArrayList<>();
        try (JsonParser p = MAPPER.getFactory().createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                names.add(p.currentName());
                p.nextToken();
                p.skipChildren();
            }
        }
        if (!unknown.containsAll(names)) {
            return;   // some property was the type's own: an evolved payload, decoded as such
        }
        throw new CodecException("json: payload " + (names.isEmpty() ? "{}" : "with properties " + names)
                + " has none of the properties of " + type.getTypeName() + "; it is not a " + type.getTypeName()
                + " (unknown properties are ignored only beside known ones)");
    }

    /**
     * Notes the names unknown to the decoded type and skips them, as FAIL_ON_UNKNOWN_PROPERTIES=false would. By type,
     * not by depth: Jackson replays a record's unknown properties from a buffer whose parser has no usable depth.
     */
    private static final class UnknownPropertyCounter extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                                             Object beanOrClass, String propertyName) throws IOException {
            Decoding decoding = DECODING.get();
            if (decoding.type != null && deserializer != null && deserializer.handledType() == decoding.type) {
                decoding.unknown.add(propertyName);
            }
            p.skipChildren();
            return true;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
