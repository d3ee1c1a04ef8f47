package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.InvalidTopicException;
import org.junit.jupiter.api.Test;

/** Pulsar-shaped topic names, as Pulsar and {@code memory://} check them. */
class TenantNamespaceNamingTest {
    private final TenantNamespaceNaming naming = TenantNamespaceNaming.instance();

    @Test
    void partsAcceptExactlyLettersDigitsAndTheFivePunctuationMarks() {
        assertThat(naming.problem("a-b_c.d=e:f/Z9/x")).isNull();
        assertThat(naming.problem("logger.report.event")).isNull();
        assertThat(naming.problem("persistent://public/default/orders-1")).isNull();
        assertThat(naming.problem("tenant/ns/orders")).isNull();
        for (String bad : new String[] {"a b", "a/b", "a//b/c", "ü", "a*b", "a/b/c$", "persistent://t/n/", "a//b"}) {
            assertThat(naming.problem(bad)).as(bad).isNotNull();
        }
        assertThat(naming.problem("kafka://a/b/c")).contains("only persistent:// and non-persistent://");
        assertThat(naming.problem("persistent://public/orders")).contains("tenant/namespace/name");
        assertThat(naming.problem("x".repeat(300))).contains("300 characters");
    }

    @Test
    void shortAndThreePartNamesQualifyToPersistentPublicDefault() {
        assertThat(naming.qualified("orders")).isEqualTo("persistent://public/default/orders");
        assertThat(naming.qualified("t/ns/orders")).isEqualTo("persistent://t/ns/orders");
        assertThat(naming.qualified("non-persistent://t/ns/o")).isEqualTo("non-persistent://t/ns/o");
        assertThatThrownBy(() -> naming.qualified("a b")).isInstanceOf(InvalidTopicException.class);
    }

    @Test
    void partitionsShareTheirTopicsDeadLetterTopic() {
        assertThat(naming.baseTopic("persistent://public/default/orders-partition-3"))
                .isEqualTo("persistent://public/default/orders");
        assertThat(naming.baseTopic("orders-partition-x")).isEqualTo("orders-partition-x");
        assertThat(naming.deadLetterTopic("persistent://public/default/orders-partition-0", "saver"))
                .isEqualTo("persistent://public/default/orders-saver-DLQ");
        assertThat(naming.deadLetterSuffix()).isEqualTo("-DLQ");
    }
}
