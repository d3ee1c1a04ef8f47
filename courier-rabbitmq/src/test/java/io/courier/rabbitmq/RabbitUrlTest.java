package io.courier.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.ConfigurationException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How an {@code amqp://} URL, settings and environment become RabbitMQ settings, without a broker. */
class RabbitUrlTest {

    private static RabbitSettings parse(String url, Map<String, String> properties, Map<String, String> env) {
        return RabbitSettings.from(URI.create(url), properties, env);
    }

    @Test
    void nodesPortsAndVirtualHost() {
        RabbitSettings s = parse("amqp://r1.example.com,r2.example.com:5673/orders%2Fprod", Map.of(), Map.of());
        assertThat(s.addresses()).extracting(a -> a.getHost() + ":" + a.getPort())
                .containsExactly("r1.example.com:5672", "r2.example.com:5673");
        assertThat(s.vhost()).isEqualTo("orders/prod");
        assertThat(parse("amqp://h", Map.of(), Map.of()).vhost()).isEqualTo("/");
        assertThat(parse("amqp://h/", Map.of(), Map.of()).vhost()).isEqualTo("/");
        assertThat(parse("amqp://h/%2F", Map.of(), Map.of()).vhost()).isEqualTo("/");
        assertThat(parse("amqps://h", Map.of(), Map.of()).addresses().get(0).getPort()).isEqualTo(5671);
        assertThat(parse("amqp://h", Map.of(), Map.of()).managementUrl()).isEqualTo("http://h:15672");
        assertThat(parse("amqps://h", Map.of(), Map.of()).managementUrl()).isEqualTo("https://h:15671");
    }

    @Test
    void credentialsComeFromSettingsThenTheUrlThenGuestAndThePasswordIsASecretWherever() {
        RabbitSettings fromUrl = parse("amqp://orders:p%40ss%2Bw0rd@h:5672", Map.of(), Map.of());
        assertThat(fromUrl.username()).isEqualTo("orders");
        assertThat(fromUrl.password()).isEqualTo("p@ss+w0rd");
        assertThat(fromUrl.values().secrets()).containsExactly("p@ss+w0rd");
        assertThat(fromUrl.toString()).doesNotContain("p@ss+w0rd");

        RabbitSettings fromEnv = parse("amqp://url-user:url-pw@h", Map.of(),
                Map.of("COURIER_RABBITMQ_USERNAME", "env-user", "COURIER_RABBITMQ_PASSWORD", "env-pw"));
        assertThat(fromEnv.username()).isEqualTo("env-user");
        assertThat(fromEnv.password()).isEqualTo("env-pw");

        RabbitSettings fromProperties = parse("amqp://h", Map.of("username", "p-user", "password", "p-pw"),
                Map.of("COURIER_RABBITMQ_PASSWORD", "env-pw"));
        assertThat(fromProperties.password()).isEqualTo("p-pw");

        RabbitSettings none = parse("amqp://h", Map.of(), Map.of());
        assertThat(none.username()).isEqualTo("guest");
        assertThat(none.password()).isEqualTo("guest");
        assertThat(none.values().secrets()).isEmpty();
    }

    @Test
    void badUrlsAndSettingsFailWithEveryProblemAndNoSecret() {
        assertThatThrownBy(() -> parse("amqp:///vhost", Map.of(), Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("names no RabbitMQ node");
        assertThatThrownBy(() -> parse("amqp://h:port,:5672", Map.of(), Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'h:port' is not host[:port]").hasMessageContaining("':5672' is not host[:port]");
        assertThatThrownBy(() -> parse("amqp://h?queueType=STREAM&deliveryLimit=0", Map.of("password", "x-secret-1"),
                Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("queueType").hasMessageContaining("deliveryLimit")
                .hasMessageNotContaining("x-secret-1");
        assertThatThrownBy(() -> parse("amqp://h?queueType=CLASSIC&deliveryLimit=5", Map.of(), Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("deliveryLimit is for quorum queues");
        assertThatThrownBy(() -> parse("amqp://h", Map.of("managementUrl", "h:15672"), Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("is not an http:// or https:// URL");
        assertThatThrownBy(() -> parse("amqp://h", Map.of(), Map.of("COURIER_RABBITMQ_PASWORD", "typo")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("COURIER_RABBITMQ_PASWORD")
                .hasMessageNotContaining("typo");
    }
}
