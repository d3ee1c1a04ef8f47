package io.courier.core.spi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings several backends have, declared once here with one name, meaning and default; a backend adds the ones it
 * has to its {@link OptionSet}. Thread-safe (immutable).
 */
public final class CommonOptions {
    private CommonOptions() {
    }

    /** How long a message handed back (nack) waits before it is delivered again. */
    public static final Option<Duration> NACK_DELAY = Option.millis("nackDelayMs", Duration.ofMillis(100), Duration.ZERO,
            "Delay before a message handed back (nack) is delivered again.");

    /** Whether a TLS connection checks the server's host name against its certificate. */
    public static final Option<Boolean> TLS_HOSTNAME_VERIFICATION = Option.flag("tlsHostnameVerification", true,
            "Check the server's host name against its certificate.");

    /** A trust store of the backend's own for TLS connections, instead of the JVM's. */
    public static final Option<String> TLS_TRUSTSTORE = Option.text("tlsTruststoreLocation",
            "Trust store (PKCS12 or JKS) for TLS connections (else the JVM's).");

    /** The password of {@link #TLS_TRUSTSTORE}. */
    public static final Option<String> TLS_TRUSTSTORE_PASSWORD = Option.text("tlsTruststorePassword",
            "Password of the trust store.").secret();

    /** What is wrong with the trust-store settings of {@code values}, for an {@link OptionSet}'s cross-check. */
    public static List<String> trustStoreProblems(OptionValues values) {
        List<String> problems = new ArrayList<>();
        if (values.isSet(TLS_TRUSTSTORE_PASSWORD) && !values.isSet(TLS_TRUSTSTORE)) {
            problems.add("tlsTruststorePassword is given but tlsTruststoreLocation is not (the JVM's trust store "
                    + "needs no password here)");
        }
        if (values.isSet(TLS_TRUSTSTORE)) {
            Path store = Path.of(values.get(TLS_TRUSTSTORE));
            if (!Files.isRegularFile(store) || !Files.isReadable(store)) {
                problems.add("tlsTruststoreLocation '" + store + "' is not a readable file");
            }
        }
        return problems;
    }

    /**
     * The largest payload Courier sends to this broker (refused before sending above it, from
     * {@code Capabilities.maxPayloadBytes()}), with the backend's default.
     */
    public static Option<Long> maxMessageBytes(long defaultBytes, String doc) {
        return Option.number("maxMessageBytes", defaultBytes, 1, Integer.MAX_VALUE - 65_536,
                "Largest payload Courier sends (refused before sending above it). " + doc);
    }
}
