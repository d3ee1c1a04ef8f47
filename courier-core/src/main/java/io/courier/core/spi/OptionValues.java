package io.courier.core.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The values of one {@link OptionSet}, validated: each declared option (its default when unset) and the native
 * settings passed through. {@link #toString()} hides secrets. Thread-safe (immutable).
 */
public final class OptionValues {
    private final OptionSet set;
    private final Map<Option<?>, Object> values;
    private final Map<String, String> passThrough;

    OptionValues(OptionSet set, Map<Option<?>, Object> values, Map<String, String> passThrough) {
        this.set = set;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.passThrough = Collections.unmodifiableMap(new LinkedHashMap<>(passThrough));
    }

    /** The option's value, or its default when it was not set. */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        if (!set.options().contains(option)) {
            throw new IllegalArgumentException("option '" + option + "' is not declared by " + set.backend());
        }
        return values.containsKey(option) ? (T) values.get(option) : option.defaultValue();
    }

    /** True when the option was given (even if equal to its default). */
    public boolean isSet(Option<?> option) {
        return values.containsKey(option);
    }

    /** The native settings given under {@code prefix} (one of the set's pass-through prefixes), prefix removed. */
    public Map<String, String> passThrough(String prefix) {
        Map<String, String> result = new LinkedHashMap<>();
        passThrough.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                result.put(k.substring(prefix.length()), v);
            }
        });
        return result;
    }

    /**
     * The values of every secret option given, and of native settings whose names look secret: what an error message
     * must never show ({@link BrokerErrors} scrubs them).
     */
    public java.util.List<String> secrets() {
        java.util.List<String> result = new java.util.ArrayList<>();
        values.forEach((o, v) -> {
            if (o.isSecret()) {
                result.add(o.render(v));
            }
        });
        passThrough.forEach((k, v) -> {
            if (OptionSet.looksSecret(k)) {
                result.add(v);
            }
        });
        result.removeIf(String::isEmpty);
        return java.util.List.copyOf(result);
    }

    /** Every value given, rendered, secrets included: for a cache key, never for display. */
    String fingerprint() {
        StringBuilder b = new StringBuilder();
        values.forEach((o, v) -> b.append(o.name()).append('=').append(o.render(v)).append('|'));
        passThrough.forEach((k, v) -> b.append(k).append('=').append(v).append('|'));
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionValues other && other.set == set && fingerprint().equals(other.fingerprint());
    }

    @Override
    public int hashCode() {
        return Objects.hash(set.backend(), fingerprint());
    }

    /** The values given, secrets shown as {@code ****}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        values.forEach((o, v) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(o.name()).append('=').append(o.isSecret() ? "****" : o.render(v));
        });
        passThrough.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(k).append('=').append(OptionSet.looksSecret(k) ? "****" : v);
        });
        return b.append('}').toString();
    }
}
