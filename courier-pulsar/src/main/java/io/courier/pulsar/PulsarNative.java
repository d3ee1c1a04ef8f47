package io.courier.pulsar;

import io.courier.ConfigurationException;
import io.courier.core.spi.OptionSet;
import java.util.Map;
import java.util.function.Function;

/** Native Pulsar settings passed through to a builder's {@code loadConf}, refused clearly when the client rejects them. */
final class PulsarNative {
    private PulsarNative() {
    }

    /**
     * Applies the settings given under {@code prefix} to {@code builder} with its {@code loadConf}; returns the builder.
     *
     * @throws ConfigurationException naming the settings (never their values) when the client rejects them
     */
    static <B> B load(B builder, Function<Map<String, Object>, B> loadConf, PulsarOptions options, String prefix) {
        Map<String, Object> settings = options.nativeSettings(prefix);
        if (settings.isEmpty()) {
            return builder;   // loadConf rebuilds the whole configuration: skip it when there is nothing to load
        }
        try {
            return loadConf.apply(settings);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            // the client's message may quote a value: leave it out when a setting's name says it may be a secret
            boolean secretNamed = settings.keySet().stream().anyMatch(OptionSet::looksSecret);
            throw new ConfigurationException("the Pulsar client rejects the native settings under '" + prefix + "' "
                    + settings.keySet().stream().map(k -> prefix + k).toList() + ": "
                    + root.getClass().getSimpleName() + (root.getMessage() == null || secretNamed ? ""
                    : ": " + PulsarErrors.of("", options).scrub(root.getMessage())));
        }
    }
}
