package io.courier.core.spi;

import io.courier.ConfigurationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Every setting of one backend, declared once ({@link Option}), and everything done with the declaration: parsing
 * from a URL query, a property map and environment variables; validation that lists every problem; unknown names
 * refused with the known ones listed; native client settings passed through under declared prefixes; secrets hidden;
 * and the Markdown table the README shows. Thread-safe (immutable).
 *
 * <p>Precedence when one setting comes from several places: environment variables
 * ({@link Option#environmentName(String) COURIER_PULSAR_AUTH_TOKEN}) &lt; URL query &lt; properties.
 */
public final class OptionSet {
    private final String backend;
    private final List<Option<?>> options;
    private final Map<String, String> passThroughPrefixes;
    private final Function<OptionValues, List<String>> crossCheck;

    private OptionSet(Builder b) {
        this.backend = b.backend;
        this.options = List.copyOf(b.options);
        this.passThroughPrefixes = new LinkedHashMap<>(b.passThrough);
        this.crossCheck = b.crossCheck;
    }

    /** Declares the settings of the backend named {@code backend} (its URL scheme). */
    public static Builder builder(String backend) {
        return new Builder(backend);
    }

    public String backend() {
        return backend;
    }

    public List<Option<?>> options() {
        return options;
    }

    /** The declared option called {@code name}, or null. */
    public Option<?> option(String name) {
        for (Option<?> o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /**
     * Values from the environment variables of this backend, the URL's query and {@code properties}, later sources
     * winning.
     *
     * @throws ConfigurationException listing every unknown name and invalid value (secret values never shown)
     */
    public OptionValues parse(URI url, Map<String, String> properties, Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String envPrefix = "COURIER_" + backend.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
        environment.forEach((name, value) -> {
            if (name.startsWith(envPrefix)) {
                Option<?> o = options.stream().filter(x -> x.environmentName(backend).equals(name)).findFirst().orElse(null);
                if (o == null) {
                    problems.add("unknown environment variable " + name + "; " + backend + ":// reads "
                            + options.stream().map(x -> x.environmentName(backend)).toList());
                } else {
                    settings.put(o.name(), value);
                }
            }
        });
        String query = url == null ? null : url.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    settings.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        settings.putAll(properties);
        return parse(settings, problems);
    }

    /** Values from one map of settings. @throws ConfigurationException listing every problem */
    public OptionValues parse(Map<String, String> settings) {
        return parse(settings, new ArrayList<>());
    }

    private OptionValues parse(Map<String, String> settings, List<String> problems) {
        Values values = values();
        settings.forEach((key, raw) -> {
            Option<?> o = option(key);
            if (o != null) {
                try {
                    values.setParsed(o, o.parse(raw));
                } catch (IllegalArgumentException e) {
                    problems.add("setting '" + key + "' has an invalid value" + (o.isSecret() ? "" : " '" + raw + "'")
                            + ": " + e.getMessage());
                }
            } else if (passThroughPrefixes.keySet().stream().anyMatch(key::startsWith)) {
                values.passThrough.put(key, raw);
            } else {
                problems.add("unknown setting '" + key + "'; " + backend + ":// knows "
                        + options.stream().map(Option::name).toList()
                        + (passThroughPrefixes.isEmpty() ? "" : " and native settings under " + passThroughPrefixes.keySet()));
            }
        });
        return values.build(problems);
    }

    /** An empty set of values to fill in with typed setters (a backend's options builder). */
    public Values values() {
        return new Values();
    }

    /**
     * The README's table of these settings: name, type, default, meaning, one row each, then the pass-through
     * prefixes.
     */
    public String markdownTable() {
        StringBuilder b = new StringBuilder("| setting | value | default | meaning |\n|---|---|---|---|\n");
        for (Option<?> o : options) {
            String dflt = o.defaultValue() == null ? "none" : "`" + o.render(o.defaultValue()) + "`";
            b.append("| `").append(o.name()).append("` | ").append(o.type()).append(" | ").append(dflt).append(" | ")
                    .append(o.doc()).append(o.isSecret() ? " Secret: never shown." : "").append(" |\n");
        }
        passThroughPrefixes.forEach((prefix, doc) ->
                b.append("| `").append(prefix).append("*` | text | none | ").append(doc).append(" |\n"));
        return b.toString();
    }

    /** True for a setting name that may hold a secret (its value is then never shown): password, token, key... */
    public static boolean looksSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("auth")
                || k.contains("credential") || k.contains("key");
    }

    /** Values being filled in; {@link #build()} validates them. Not thread-safe. */
    public final class Values {
        private final Map<Option<?>, Object> values = new LinkedHashMap<>();
        private final Map<String, String> passThrough = new LinkedHashMap<>();

        private Values() {
        }

        /** Sets an option; null returns it to its default. */
        public <T> Values set(Option<T> option, T value) {
            return setParsed(option, value);
        }

        private Values setParsed(Option<?> option, Object value) {
            if (!options.contains(option)) {
                throw new IllegalArgumentException("option '" + option + "' is not declared by " + backend);
            }
            if (value == null) {
                values.remove(option);
            } else {
                values.put(option, value);
            }
            return this;
        }

        /** A native client setting under one of the declared prefixes. */
        public Values passThrough(String key, String value) {
            if (passThroughPrefixes.keySet().stream().noneMatch(key::startsWith)) {
                throw new IllegalArgumentException("'" + key + "' is under none of " + passThroughPrefixes.keySet());
            }
            passThrough.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** @throws ConfigurationException listing every problem */
        public OptionValues build() {
            return build(new ArrayList<>());
        }

        private OptionValues build(List<String> problems) {
            values.forEach((o, v) -> {
                String p = o.problem(v);
                if (p != null) {
                    problems.add(o.name() + " " + p);
                }
            });
            OptionValues built = new OptionValues(OptionSet.this, values, passThrough);
            if (crossCheck != null && problems.isEmpty()) {
                problems.addAll(crossCheck.apply(built));
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid " + backend + ":// settings", problems);
            }
            return built;
        }
    }

    /** Declares an {@link OptionSet}; not thread-safe. */
    public static final class Builder {
        private final String backend;
        private final List<Option<?>> options = new ArrayList<>();
        private final Map<String, String> passThrough = new LinkedHashMap<>();
        private Function<OptionValues, List<String>> crossCheck;

        private Builder(String backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        public Builder add(Option<?>... declared) {
            for (Option<?> o : declared) {
                if (options.stream().anyMatch(x -> x.name().equals(o.name()))) {
                    throw new IllegalArgumentException("option '" + o.name() + "' declared twice");
                }
                options.add(o);
            }
            return this;
        }

        /** Settings whose names start with {@code prefix} go to the native client as they are. */
        public Builder passThrough(String prefix, String doc) {
            passThrough.put(prefix, doc);
            return this;
        }

        /** Checks that span several options (e.g. two authentications at once); returns the problems found. */
        public Builder check(Function<OptionValues, List<String>> check) {
            this.crossCheck = check;
            return this;
        }

        public OptionSet build() {
            return new OptionSet(this);
        }
    }
}
