package io.courier.examples.uba;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.courier.examples.uba.report.v1.PostReportRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's JSON, read and written in one pass with Jackson's streaming parser (no tree, no reflection): a
 * report object ({@code report_type}, {@code app_id}, {@code event_name}, {@code content}, all strings; the
 * lowerCamelCase spellings of protobuf's JSON mapping are accepted too) and the {@code {"code":..,"msg":..}}
 * answers. Thread-safe: the factory is shared, parsers are per call.
 */
final class ReportJson {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private ReportJson() {
    }

    /** A report read from JSON, or the problems that kept it from being read or valid (never both). */
    record Parsed(PostReportRequest request, List<String> problems) {
        boolean valid() {
            return problems.isEmpty();
        }
    }

    /** Thrown for a body whose JSON syntax is broken: nothing after the broken place can be read. */
    static final class MalformedJsonException extends Exception {
        MalformedJsonException(String message) {
            super(message, null, false, false);
        }
    }

    static JsonParser parser(byte[] data, int offset, int length) throws IOException {
        return FACTORY.createParser(data, offset, length);
    }

    /** The one report in {@code data[offset, offset+length)}: a JSON object and nothing after it. */
    static Parsed readOne(byte[] data, int offset, int length) throws MalformedJsonException {
        try (JsonParser p = parser(data, offset, length)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return invalid("a report must be a JSON object, got " + describe(first));
            }
            Parsed parsed = readObject(p);
            if (p.nextToken() != null) {
                return invalid("unexpected content after the report object");
            }
            return parsed;
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /**
     * Reads the object whose START_OBJECT {@code p} is on, up to its END_OBJECT; a field of the wrong type or an
     * unknown field is a problem of this report, and the rest of the object is still consumed so that a batch can go on.
     */
    static Parsed readObject(JsonParser p) throws IOException {
        PostReportRequest.Builder b = PostReportRequest.newBuilder();
        List<String> problems = new ArrayList<>(0);
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_NULL) {
                continue;   // as protobuf's JSON mapping: null is the field's default, so 'required' reports it
            }
            if (value != JsonToken.VALUE_STRING) {
                p.skipChildren();
                problems.add(name + " must be a string, got " + describe(value));
                continue;
            }
            switch (name) {
                case "report_type", "reportType" -> b.setReportType(p.getText());
                case "app_id", "appId" -> b.setAppId(p.getText());
                case "event_name", "eventName" -> b.setEventName(p.getText());
                case "content" -> b.setContent(p.getText());
                default -> problems.add("unknown field '" + name + "'");
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "unterminated object");
        }
        if (!problems.isEmpty()) {
            return new Parsed(null, problems);
        }
        PostReportRequest request = b.build();
        List<String> invalid = ReportGateway.validate(request);
        return invalid.isEmpty() ? new Parsed(request, List.of()) : new Parsed(null, invalid);
    }

    static Parsed invalid(String problem) {
        return new Parsed(null, List.of(problem));
    }

    static MalformedJsonException malformed(IOException e) {
        String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
            first = j.getOriginalMessage() + " (at byte " + j.getLocation().getByteOffset() + ")";
        }
        return new MalformedJsonException("malformed JSON: " + first.lines().findFirst().orElse(""));
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    /** {@code {"code":code,"msg":"msg"}} as UTF-8. */
    static byte[] answer(int code, String msg) {
        return appendAnswer(new StringBuilder(32 + msg.length()), code, msg).toString().getBytes(StandardCharsets.UTF_8);
    }

    static StringBuilder appendAnswer(StringBuilder sb, int code, String msg) {
        sb.append("{\"code\":").append(code).append(",\"msg\":\"");
        JsonStringEncoder.getInstance().quoteAsString(msg, sb);
        return sb.append("\"}");
    }
}
