package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One declaration parses, validates, hides secrets and documents a backend's settings. */
class OptionSetTest {
    enum Mode { FAST, SAFE }

    static final Option<String> TOKEN = Option.text("authToken", "Token.").secret();
    static final Option<Long> THREADS = Option.number("ioThreads", 1, 1, 64, "I/O threads.");
    static final Option<Boolean> TLS = Option.flag("tls", false, "Use TLS.");
    static final Option<Duration> TIMEOUT = Option.millis("timeoutMs", Duration.ofSeconds(30), Duration.ofMillis(1), "Timeout.");
    static final Option<Mode> MODE = Option.choice("mode", Mode.class, Mode.SAFE, "Mode.");
    static final OptionSet SET = OptionSet.builder("demo").add(TOKEN, THREADS, TLS, TIMEOUT, MODE)
            .passThrough("native.", "Native settings.")
            .check(v -> v.get(TLS) && v.get(MODE) == Mode.FAST ? List.of("FAST mode has no TLS") : List.of())
            .build();

    @Test
    void valuesComeFromEnvironmentThenUrlThenPropertiesWithDefaultsForTheRest() {
        OptionValues v = SET.parse(URI.create("demo://host?ioThreads=4&mode=fast&native.linger=5"),
                Map.of("ioThreads", "8"), Map.of("COURIER_DEMO_AUTH_TOKEN", "s3cret", "COURIER_DEMO_IO_THREADS", "2",
                        "PATH", "/bin"));
        assertThat(v.get(THREADS)).isEqualTo(8L);
        assertThat(v.get(MODE)).isEqualTo(Mode.FAST);
        assertThat(v.get(TOKEN)).isEqualTo("s3cret");
        assertThat(v.get(TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
        assertThat(v.isSet(TIMEOUT)).isFalse();
        assertThat(v.passThrough("native.")).containsExactly(Map.entry("linger", "5"));
        assertThat(v.toString()).contains("authToken=****").doesNotContain("s3cret");
        assertThat(TOKEN.environmentName("demo")).isEqualTo("COURIER_DEMO_AUTH_TOKEN");
    }

    @Test
    void everyProblemIsListedUnknownNamesWithTheKnownOnesAndNoSecretValueShown() {
        assertThatThrownBy(() -> SET.parse(URI.create("demo://h?ioThreads=100&tls=yes&colour=red&authToken="),
                Map.of("timeoutMs", "soon"), Map.of("COURIER_DEMO_COLOUR", "blue")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.problems()).hasSize(6);
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("unknown setting 'colour'")
                            .contains("[authToken, ioThreads, tls, timeoutMs, mode]").contains("native."));
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("COURIER_DEMO_COLOUR"));
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("ioThreads must be between 1 and 64"));
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("'yes'").contains("true or false"));
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("'soon'").contains("milliseconds"));
                    assertThat(e.problems()).anySatisfy(p -> assertThat(p).isEqualTo("authToken must not be blank"));
                });
        assertThatThrownBy(() -> SET.parse(Map.of("ioThreads", "x", "authToken", "")))
                .isInstanceOf(ConfigurationException.class).hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> SET.parse(Map.of("mode", "FAST", "tls", "true")))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.problems()).containsExactly("FAST mode has no TLS"));
    }

    @Test
    void typedValuesAreCheckedAsParsedOnesAre() {
        assertThatThrownBy(() -> SET.values().set(THREADS, 0L).set(TIMEOUT, Duration.ZERO).build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(2));
        assertThatThrownBy(() -> SET.values().passThrough("other.x", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SET.values().set(THREADS, 3L).set(THREADS, null).build().get(THREADS)).isEqualTo(1L);
    }

    @Test
    void theReadmeTableListsEveryOptionWithTypeDefaultAndMeaning() {
        assertThat(SET.markdownTable()).isEqualTo("""
                | setting | value | default | meaning |
                |---|---|---|---|
                | `authToken` | text | none | Token. Secret: never shown. |
                | `ioThreads` | whole number | `1` | I/O threads. |
                | `tls` | true/false | `false` | Use TLS. |
                | `timeoutMs` | milliseconds | `30000` | Timeout. |
                | `mode` | one of [FAST, SAFE] | `SAFE` | Mode. |
                | `native.*` | text | none | Native settings. |
                """);
    }
}
