package io.courier.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Api;
import io.courier.Codec;
import io.courier.CodecException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecsTest {
    record Order(String id, int quantity, Instant at) {
    }

    private final Codecs codecs = Codecs.standard();

    @Test
    void builtInCodecsAreFoundByNameAndContentType() {
        assertThat(codecs.names()).contains("json", "proto", "text", "bytes");
        assertThat(codecs.byContentType("application/json; charset=utf-8").name()).isEqualTo("json");
        assertThat(codecs.byContentType("TEXT/PLAIN").name()).isEqualTo("text");
        assertThat(codecs.byContentType("application/avro")).isNull();
    }

    @Test
    void unknownCodecListsTheAvailableOnes() {
        assertThatThrownBy(() -> codecs.byName("avro")).isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown codec 'avro'").hasMessageContaining("json").hasMessageContaining("bytes");
    }

    @Test
    void jsonRoundTripsRecordsWithIsoTimes() {
        Codec json = codecs.byName("json");
        Order o = new Order("o-1", 2, Instant.parse("2026-11-26T12:00:00Z"));
        byte[] bytes = json.encode(o);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"2026-11-26T12:00:00Z\"");
        assertThat(json.decode(bytes, Order.class)).isEqualTo(o);
        assertThat(json.decode("{\"id\":\"x\",\"quantity\":1,\"extra\":true}".getBytes(StandardCharsets.UTF_8), Order.class))
                .isEqualTo(new Order("x", 1, null));
    }

    @Test
    void jsonUsesProtobufJsonFormatForProtobufMessages() {
        Codec json = codecs.byName("json");
        Api api = Api.newBuilder().setName("svc").setVersion("v1").build();
        byte[] bytes = json.encode(api);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"svc\",\"version\":\"v1\"}");
        assertThat(json.decode(bytes, Api.class)).isEqualTo(api);
    }

    @Test
    void garbageFailsWithCodecException() {
        assertThatThrownBy(() -> codecs.byName("json").decode(new byte[] {1, 2, 3}, Order.class))
                .isInstanceOf(CodecException.class).hasMessageContaining(Order.class.getName());
        assertThatThrownBy(() -> codecs.byName("json").decode("null".getBytes(StandardCharsets.UTF_8), Order.class))
                .isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codecs.byName("json").decode("{}\u0001\u0002".getBytes(StandardCharsets.UTF_8), Order.class))
                .as("trailing junk after a JSON value").isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codecs.byName("proto").decode(new byte[] {(byte) 0xFF, (byte) 0xFF}, Api.class))
                .isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codecs.byName("text").decode(new byte[] {(byte) 0xC3, (byte) 0x28}, String.class))
                .isInstanceOf(CodecException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void codecsRefuseTypesTheyCannotHandle() {
        assertThatThrownBy(() -> codecs.byName("proto").encode("not protobuf")).isInstanceOf(CodecException.class)
                .hasMessageContaining("not a protobuf message");
        assertThatThrownBy(() -> codecs.byName("text").encode(42)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codecs.byName("bytes").encode(List.of())).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codecs.byName("bytes").decode(new byte[0], Order.class)).isInstanceOf(CodecException.class);
    }

    @Test
    void protoAndBytesRoundTrip() {
        Api api = Api.newBuilder().setName("svc").build();
        assertThat(codecs.byName("proto").decode(codecs.byName("proto").encode(api), Api.class)).isEqualTo(api);
        ByteBuffer buf = ByteBuffer.wrap(new byte[] {9, 8, 7});
        assertThat((byte[]) codecs.byName("bytes").decode(codecs.byName("bytes").encode(buf), byte[].class)).containsExactly(9, 8, 7);
    }
}
