package io.courier.console;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/** Protobuf bytes as JSON through a descriptor; loaded only when an application gave one (protobuf is optional). */
final class ProtobufJson {
    private ProtobufJson() {
    }

    /** The payload as JSON, or null when it is not a message of that type. */
    static String print(Object descriptor, byte[] payload) {
        Descriptor d = (Descriptor) descriptor;
        try {
            return JsonFormat.printer().print(DynamicMessage.parseFrom(d, payload));
        } catch (InvalidProtocolBufferException e) {
            return null;   // not what the descriptor says: shown as base64
        }
    }
}
