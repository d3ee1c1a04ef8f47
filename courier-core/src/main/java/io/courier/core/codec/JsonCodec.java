package io.courier.core.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.courier.Codec;
import io.courier.CodecException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code json} codec: Jackson for plain objects and records (ISO-8601 times, unknown properties ignored so that
 * producers can add fields, anything after the JSON value refused), and protobuf's JSON format for protobuf messages when protobuf-java and
 * protobuf-java-util are on the classpath (as Kratos' json codec does). One mapper is shared. Thread-safe.
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
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    /** A reader per payload type, so that a message's decode does not resolve its type again (bounded: types are few). */
    private static final Map<Type, ObjectReader> READERS = new ConcurrentHashMap<>();
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
        try {
            Object value = readerFor(type).readValue(data);
            if (value == null) {
                throw new CodecException("json: payload is null, expected " + type.getTypeName());
            }
            return value;
        } catch (IOException e) {
            throw new CodecException("json: cannot decode " + data.length + " bytes as " + type.getTypeName() + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    private static ObjectReader readerFor(Type type) {
        ObjectReader reader = READERS.get(type);
        if (reader == null) {
            JavaType javaType = MAPPER.getTypeFactory().constructType(type);
            reader = MAPPER.readerFor(javaType);
            if (READERS.size() < MAX_READERS) {
                READERS.putIfAbsent(type, reader);
            }
        }
        return reader;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
