package io.courier.core.spi;

import java.time.Duration;

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

    /**
     * The largest payload Courier sends to this broker (refused before sending above it, from
     * {@code Capabilities.maxPayloadBytes()}), with the backend's default.
     */
    public static Option<Long> maxMessageBytes(long defaultBytes, String doc) {
        return Option.number("maxMessageBytes", defaultBytes, 1, Integer.MAX_VALUE - 65_536,
                "Largest payload Courier sends (refused before sending above it). " + doc);
    }
}
