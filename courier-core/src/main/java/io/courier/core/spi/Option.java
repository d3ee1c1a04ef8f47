package io.courier.core.spi;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One setting of a backend, declared once: its name, type, default, documentation, whether it is a secret, and its
 * range. An {@link OptionSet} of these parses URL queries, property maps and environment variables, lists every
 * problem, hides secrets and writes the README's table. Thread-safe (immutable).
 *
 * @param <T> the value's type
 */
public final class Option<T> {
    private final String name;
    private final String type;
    private final Function<String, T> parser;
    private final Function<T, String> check;
    private final Function<T, String> render;
    private final T defaultValue;
    private final String doc;
    private final boolean secret;

    private Option(String name, String type, Function<String, T> parser, Function<T, String> check,
                   Function<T, String> render, T defaultValue, String doc, boolean secret) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = type;
        this.parser = parser;
        this.check = check;
        this.render = render;
        this.defaultValue = defaultValue;
        this.doc = Objects.requireNonNull(doc, "doc");
        this.secret = secret;
    }

    /** Free text; no default (absent). */
    public static Option<String> text(String name, String doc) {
        return new Option<>(name, "text", s -> s, v -> v.isBlank() ? "must not be blank" : null, v -> v, null, doc,
                false);
    }

    /** {@code true} or {@code false}. */
    public static Option<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new Option<>(name, "true/false", s -> {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("expected true or false");
            }
            return Boolean.parseBoolean(s);
        }, v -> null, String::valueOf, defaultValue, doc, false);
    }

    /** A whole number in [{@code min}, {@code max}]. */
    public static Option<Long> number(String name, long defaultValue, long min, long max, String doc) {
        return new Option<>(name, "whole number", s -> {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a whole number");
            }
        }, v -> v < min || v > max ? "must be between " + min + " and " + max + ", got " + v : null, String::valueOf,
                defaultValue, doc, false);
    }

    /** A duration given in whole milliseconds (the name should end in {@code Ms}), at least {@code min}. */
    public static Option<Duration> millis(String name, Duration defaultValue, Duration min, String doc) {
        return new Option<>(name, "milliseconds", s -> {
            try {
                return Duration.ofMillis(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a whole number of milliseconds");
            }
        }, v -> v.compareTo(min) < 0 ? "must be at least " + min.toMillis() + " ms, got " + v.toMillis() + " ms" : null,
                v -> String.valueOf(v.toMillis()), defaultValue, doc, false);
    }

    /** One of an enum's constants, case-insensitive. */
    public static <E extends Enum<E>> Option<E> choice(String name, Class<E> type, E defaultValue, String doc) {
        String names = Arrays.toString(type.getEnumConstants());
        return new Option<>(name, "one of " + names, s -> {
            try {
                return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("expected one of " + names);
            }
        }, v -> null, Enum::name, defaultValue, doc, false);
    }

    /** The same option, treated as a secret: never shown in messages, {@code toString()} or logs. */
    public Option<T> secret() {
        return new Option<>(name, type, parser, check, render, defaultValue, doc, true);
    }

    public String name() {
        return name;
    }

    /** What the value looks like, for documentation ({@code whole number}, {@code true/false}...). */
    public String type() {
        return type;
    }

    /** The default, or null when the option is absent unless set. */
    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    public boolean isSecret() {
        return secret;
    }

    /** Parses a string value. @throws IllegalArgumentException saying what was expected */
    T parse(String raw) {
        return parser.apply(raw);
    }

    /** What is wrong with a value, or null. */
    String problem(Object value) {
        @SuppressWarnings("unchecked")
        T v = (T) value;
        return check.apply(v);
    }

    /** The value as it is written in a URL or a table. */
    String render(Object value) {
        @SuppressWarnings("unchecked")
        T v = (T) value;
        return value == null ? "" : render.apply(v);
    }

    /** The environment variable naming this option for {@code backend}: {@code COURIER_PULSAR_AUTH_TOKEN}. */
    public String environmentName(String backend) {
        StringBuilder b = new StringBuilder("COURIER_").append(backend.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"))
                .append('_');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                b.append('_');
            }
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
