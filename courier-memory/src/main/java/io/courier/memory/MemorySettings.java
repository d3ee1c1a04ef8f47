package io.courier.memory;

import io.courier.BrokerOptions;
import io.courier.core.spi.CommonOptions;
import io.courier.core.spi.Option;
import io.courier.core.spi.OptionSet;
import io.courier.core.spi.OptionValues;
import java.net.URI;
import java.time.Clock;
import java.util.Map;

/** Parsed settings of a memory cluster; the settings are declared once, in {@link #DECLARED}. */
record MemorySettings(String name, long retention, int maxMessageBytes, long nackDelayMs, Clock clock) {
    static final int DEFAULT_MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

    static final Option<Long> RETENTION = Option.number("retention", 0, 0, Long.MAX_VALUE,
            "Acknowledged messages a topic keeps for new EARLIEST subscriptions (0: like Pulsar without a retention "
                    + "policy, only unacknowledged messages are kept).");
    static final Option<Long> MAX_MESSAGE_BYTES = CommonOptions.maxMessageBytes(DEFAULT_MAX_MESSAGE_BYTES,
            "Pulsar's default.");
    static final OptionSet DECLARED = OptionSet.builder("memory").add(RETENTION, MAX_MESSAGE_BYTES,
            CommonOptions.NACK_DELAY).build();

    static MemorySettings from(URI url, BrokerOptions options, Map<String, String> environment) {
        String name = url.getHost() != null ? url.getHost() : url.getAuthority();
        if (name == null || name.isBlank()) {
            name = "default";
        }
        OptionValues values = DECLARED.parse(url, options.properties(), environment);
        return new MemorySettings(name, values.get(RETENTION), values.get(MAX_MESSAGE_BYTES).intValue(),
                values.get(CommonOptions.NACK_DELAY).toMillis(), options.clock());
    }
}
