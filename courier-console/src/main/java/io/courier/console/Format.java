package io.courier.console;

import io.courier.Headers;
import io.courier.core.DeadLetters;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.StringJoiner;

/**
 * How the pages write figures, names and payloads. The templates escape whatever these return; these only choose the
 * text. Public only because the compiled templates call it.
 */
public final class Format {
    /** What a figure the backend does not keep shows as. */
    public static final String NOT_KEPT = "–";
    private static final int MAX_PAYLOAD_CHARS = 4_096;

    private Format() {
    }

    public static String of(OptionalLong value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%,d", value.getAsLong()) : NOT_KEPT;
    }

    public static String of(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.1f", value.getAsDouble()) : NOT_KEPT;
    }

    public static String of(Optional<?> value) {
        return value.map(String::valueOf).orElse(NOT_KEPT);
    }

    public static String bytes(OptionalLong value) {
        if (value.isEmpty()) {
            return NOT_KEPT;
        }
        long b = value.getAsLong();
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    /** A value for a URL's query string. */
    public static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public static String time(DeadLetters.Letter letter) {
        return time(letter.deadLetteredAt().orElse(letter.publishTime()));
    }

    public static String time(java.time.Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
    }

    /** The headers the message had before it was dead-lettered, by name. */
    public static String headers(DeadLetters.Letter letter) {
        return headers(letter.originalHeaders());
    }

    public static String headers(Headers headers) {
        StringJoiner text = new StringJoiner(", ");
        Headers h = headers.sortedByName();
        for (String name : h.names()) {
            text.add(name + "=" + h.get(name));
        }
        return text.toString();
    }


    /**
     * The payload decoded by its content type: JSON pretty-printed, text as text, anything else (or bytes that are
     * not UTF-8) as base64, said so; cut to 4,096 characters. {@link Payloads} adds protobuf through a descriptor.
     */
    static String payload(byte[] payload, String contentType) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        String text = null;
        if (type.startsWith("application/json") || type.endsWith("+json") || type.startsWith("text/")) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(payload)).toString();
            } catch (CharacterCodingException e) {
                text = null;   // not the text it claims: shown as base64
            }
            if (text != null && !type.startsWith("text/")) {
                text = Json.pretty(text);
            }
        }
        if (text == null) {
            text = "base64: " + Base64.getEncoder().encodeToString(payload) + (type.isEmpty() ? "" : " (" + contentType + ")");
        }
        return text.length() > MAX_PAYLOAD_CHARS ? text.substring(0, MAX_PAYLOAD_CHARS) + " … (cut)" : text;
    }
}
