package io.courier.memory;

import io.courier.BrokerOptions;
import io.courier.ConfigurationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parsed settings of a memory cluster; see {@link MemoryBrokerProvider}. */
record MemorySettings(String name, long retention, int maxMessageBytes, long nackDelayMs, Clock clock) {
    static final int DEFAULT_MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
    private static final Set<String> KEYS = Set.of("retention", "maxMessageBytes", "nackDelayMs");

    static MemorySettings from(URI url, BrokerOptions options) {
        String name = url.getHost() != null ? url.getHost() : url.getAuthority();
        if (name == null || name.isBlank()) {
            name = "default";
        }
        Map<String, String> values = new LinkedHashMap<>(options.properties());
        if (url.getRawQuery() != null) {
            for (String pair : url.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                values.put(k, v);
            }
        }
        List<String> problems = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!KEYS.contains(k)) {
                problems.add("unknown setting '" + k + "'; memory:// knows " + KEYS);
            }
        }
        long retention = number(values, "retention", 0, 0, Long.MAX_VALUE, problems);
        long maxBytes = number(values, "maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES, 1, Integer.MAX_VALUE - 8, problems);
        long nackDelay = number(values, "nackDelayMs", 0, 0, Long.MAX_VALUE, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException("invalid memory broker URL 'memory://" + name + "'", problems);
        }
        return new MemorySettings(name, retention, (int) maxBytes, nackDelay, options.clock());
    }

    private static long number(Map<String, String> values, String key, long fallback, long min, long max,
                               List<String> problems) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                problems.add(key + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(key + " must be a whole number, got '" + v + "'");
            return fallback;
        }
    }
}
