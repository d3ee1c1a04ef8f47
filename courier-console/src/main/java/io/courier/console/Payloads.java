package io.courier.console;

import io.courier.Headers;
import io.courier.StoredMessage;
import io.courier.core.DeadLetters;
import java.util.Map;

/**
 * Writes payloads for the pages by their content type: JSON pretty-printed, text as text, protobuf as JSON where the
 * application gave the topic's message descriptor, anything else as base64. Public only because the compiled
 * templates call it. Immutable and thread-safe.
 */
public final class Payloads {
    private static final String PROTOBUF = "application/x-protobuf";

    /** Topic name to its protobuf descriptor (kept as Object: protobuf is optional, touched only when one is given). */
    private final Map<String, Object> descriptors;

    Payloads(Map<String, Object> descriptors) {
        this.descriptors = Map.copyOf(descriptors);
    }

    public String of(StoredMessage m) {
        return render(m.payload(), m.headers(), baseTopic(m.topic()));
    }

    /** A dead letter is shown with the descriptor of the topic it came from. */
    public String of(DeadLetters.Letter letter) {
        return render(letter.payload(), letter.headers(), letter.originalTopic().map(Payloads::baseTopic).orElse(""));
    }

    private String render(byte[] payload, Headers headers, String topic) {
        String type = headers.get(Headers.CONTENT_TYPE);
        Object descriptor = descriptors.get(topic);
        if (descriptor != null && type != null && type.startsWith(PROTOBUF)) {
            String json = ProtobufJson.print(descriptor, payload);
            if (json != null) {
                return json;
            }
        }
        return Format.payload(payload, type);
    }

    /**
     * The name an application gives for a topic: a partition's name ({@code orders-partition-2}) and Pulsar's full
     * name ({@code persistent://public/default/orders}) both mean {@code orders}.
     */
    static String baseTopic(String topic) {
        String name = topic;
        if (name.startsWith("persistent://public/default/")) {
            name = name.substring("persistent://public/default/".length());
        } else if (name.startsWith("persistent://")) {
            name = name.substring("persistent://".length());
        }
        int partition = name.lastIndexOf("-partition-");
        if (partition > 0 && name.substring(partition + "-partition-".length()).chars().allMatch(Character::isDigit)) {
            name = name.substring(0, partition);
        }
        return name;
    }
}
