package io.courier;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable string-to-string message headers (Pulsar message properties). Headers you build keep insertion order;
 * a received message's headers come sorted by name on every backend (Pulsar hands a batched message's properties
 * over as a hash map, so the order they were sent in cannot be kept there: one rule everywhere instead, so that code
 * tested on {@code memory://} sees the same order on a real broker). Equality ignores order.
 *
 * <p>Names starting with {@value #RESERVED_PREFIX} are reserved for Courier's own fields (dead-letter reasons);
 * trace context uses the W3C names {@code traceparent}, {@code tracestate} and {@code baggage}, and the codec
 * travels as {@value #CONTENT_TYPE}. Names are case-sensitive. Thread-safe (immutable).
 */
public final class Headers {
    /** Prefix of the header names Courier writes itself. */
    public static final String RESERVED_PREFIX = "courier-";
    /** The header that names the payload's codec by its content type, e.g. {@code application/json}. */
    public static final String CONTENT_TYPE = "content-type";

    private static final Headers EMPTY = new Headers(Map.of());
    private final Map<String, String> values;
    /**
     * Known to be sorted by name: the check runs once per instance, not once per message for the header set a codec
     * shares. Written without synchronization, as {@code String} caches its hash: a thread that misses it checks again.
     */
    private boolean sorted;

    private Headers(Map<String, String> values) {
        this.values = values;
    }

    /** The empty header set. */
    public static Headers empty() {
        return EMPTY;
    }

    /** Headers holding a copy of {@code map}; names must be non-blank and values non-null. */
    public static Headers of(Map<String, String> map) {
        return builder().putAll(map).build();
    }

    /** Headers from alternating names and values: {@code Headers.of("a", "1", "b", "2")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Headers.of needs name/value pairs, got an odd count: " + namesAndValues.length);
        }
        Builder b = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts with these headers. */
    public Builder toBuilder() {
        return new Builder().putAll(values);
    }

    /** The value of {@code name}, or {@code null} when absent. */
    public String get(String name) {
        return values.get(name);
    }

    /** The value of {@code name}, if present. */
    public Optional<String> find(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public boolean contains(String name) {
        return values.containsKey(name);
    }

    public Set<String> names() {
        return values.keySet();
    }

    public int size() {
        return values.size();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** These headers sorted by name: this instance when they already are (no copy on the common path). */
    public Headers sortedByName() {
        if (sorted) {
            return this;
        }
        String previous = null;
        for (String name : values.keySet()) {
            if (previous != null && previous.compareTo(name) > 0) {
                return new Headers(java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(values)));
            }
            previous = name;
        }
        sorted = true;
        return this;
    }

    /** An unmodifiable view as a map. */
    public Map<String, String> asMap() {
        return values;
    }

    /** A copy with {@code name} set to {@code value}. */
    public Headers with(String name, String value) {
        return toBuilder().put(name, value).build();
    }

    /** A copy without {@code name}. */
    public Headers without(String name) {
        if (!values.containsKey(name)) {
            return this;
        }
        Builder b = builder();
        values.forEach((k, v) -> {
            if (!k.equals(name)) {
                b.put(k, v);
            }
        });
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers h && values.equals(h.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Builds {@link Headers}; not thread-safe. */
    public static final class Builder {
        /** Made on the first put: most envelopes are built without headers of their own. */
        private LinkedHashMap<String, String> values;
        /** Set once {@link #build()} handed {@link #values} to a Headers: the next change copies it first. */
        private boolean built;

        private Builder() {
        }

        /** Sets {@code name} to {@code value}, replacing an earlier value. */
        public Builder put(String name, String value) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("header name must not be null or blank");
            }
            Objects.requireNonNull(value, () -> "value of header '" + name + "' must not be null");
            writable().put(name, value);
            return this;
        }

        public Builder putAll(Map<String, String> map) {
            Objects.requireNonNull(map, "headers map");
            map.forEach(this::put);
            return this;
        }

        public Builder putAll(Headers headers) {
            return putAll(headers.values);
        }

        public Builder remove(String name) {
            if (values != null) {
                writable().remove(name);
            }
            return this;
        }

        public Headers build() {
            if (values == null || values.isEmpty()) {
                return EMPTY;
            }
            built = true;
            return new Headers(Collections.unmodifiableMap(values));
        }

        private LinkedHashMap<String, String> writable() {
            if (values == null) {
                values = new LinkedHashMap<>();
            } else if (built) {
                values = new LinkedHashMap<>(values);
                built = false;
            }
            return values;
        }
    }
}
