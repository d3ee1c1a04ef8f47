package io.courier.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON text checked and pretty-printed for the pages. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** {@code text} indented, or as it is when it is not JSON. */
    static String pretty(String text) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            return text;
        }
    }

    /** The parsed tree; throws {@link IllegalArgumentException} naming the problem when {@code text} is not JSON. */
    static JsonNode parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("the payload is empty: write a JSON value, or choose text");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the payload is not JSON (" + e.getOriginalMessage()
                    + "); fix it or choose text");
        }
    }
}
