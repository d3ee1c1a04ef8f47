package io.courier.core.codec;

import io.courier.Codec;
import io.courier.CodecException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The {@code text} codec: UTF-8 strings. Encodes any {@link CharSequence}; decodes into {@link String} (or
 * {@link CharSequence}), rejecting bytes that are not valid UTF-8. Thread-safe.
 */
public final class TextCodec implements Codec {
    public static final String NAME = "text";
    public static final String CONTENT_TYPE = "text/plain; charset=utf-8";

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
        if (value instanceof CharSequence s) {
            return s.toString().getBytes(StandardCharsets.UTF_8);
        }
        throw new CodecException("text: can only encode strings, got " + value.getClass().getName());
    }

    @Override
    public Object decode(byte[] data, Type type) {
        if (type != String.class && type != CharSequence.class && type != Object.class) {
            throw new CodecException("text: can only decode into String, not " + type.getTypeName());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new CodecException("text: " + data.length + " bytes are not valid UTF-8", e);
        }
    }
}
