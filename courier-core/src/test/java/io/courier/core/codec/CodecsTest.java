package io.courier.core.codec;

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
    private final Codec json = codecs.byName("json");

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

        Order o = new Order("o-1", 2, Instant.parse("2026-11-26T12:00:00Z"));
        byte[] bytes = json.encode(o);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"2026-11-26T12:00:00Z\"");
        assertThat(json.decode(bytes, Order.class)).isEqualTo(o);
        assertThat(json.decode("{\"id\":\"x\",\"quantity\":1,\"extra\":true}".getBytes(StandardCharsets.UTF_8), Order.class))
                .isEqualTo(new Order("x", 1, null));
    }

    @Test
    void jsonUsesProtobufJsonFormatForProtobufMessages() {

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

    record Invoice(String number, String customer, long cents) {
    }

    record Shipment(@com.fasterxml.jackson.annotation.JsonProperty(required = true) String trackingId, String carrier) {
    }

    static final class Profile {
        public String name;
        public int age;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void jsonRefusesAnObjectThatSharesNoPropertyWithTheType() {
        byte[] order = json.encode(new Order("o-1", 3, Instant.parse("2026-01-01T00:00:00Z")));
        assertThatThrownBy(() -> json.decode(order, Invoice.class)).isInstanceOf(CodecException.class)
                .hasMessageContaining("none of the properties").hasMessageContaining("Invoice")
                .hasMessageContaining("[id, quantity, at]");
        assertThatThrownBy(() -> json.decode(utf8(" { } "), Invoice.class)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> json.decode(utf8("{\"x\":1}"), Profile.class)).isInstanceOf(CodecException.class);
        // nested unknown objects do not count as the top level's properties
        assertThatThrownBy(() -> json.decode(utf8("{\"meta\":{\"number\":\"n\"}}"), Invoice.class))
                .isInstanceOf(CodecException.class);
    }

    @Test
    void jsonStillToleratesUnknownPropertiesBesideKnownOnesAndEmptyMaps() {
        assertThat(json.decode(utf8("{\"number\":\"n-1\",\"added\":{\"a\":[1,2]},\"later\":true}"), Invoice.class))
                .isEqualTo(new Invoice("n-1", null, 0));
        assertThat(json.decode(utf8("{\"later\":true,\"name\":\"ann\"}"), Profile.class)).extracting(p -> ((Profile) p).name)
                .isEqualTo("ann");
        assertThat(json.decode(utf8("{}"), java.util.Map.class)).isEqualTo(java.util.Map.of());
        assertThat(json.decode(utf8("{\"any\":1}"), com.fasterxml.jackson.databind.JsonNode.class)).isNotNull();
        assertThat(json.decode(utf8("\"text\""), String.class)).isEqualTo("text");
    }

    @Test
    void jsonHonoursRequiredOnRecordComponents() {
        assertThatThrownBy(() -> json.decode(utf8("{\"carrier\":\"dhl\"}"), Shipment.class)).isInstanceOf(CodecException.class)
                .hasMessageContaining("trackingId");
        assertThat(json.decode(utf8("{\"trackingId\":\"t\"}"), Shipment.class)).isEqualTo(new Shipment("t", null));
    }
}
