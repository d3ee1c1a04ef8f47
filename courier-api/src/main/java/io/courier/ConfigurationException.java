package io.courier;

import java.util.List;

/**
 * Invalid configuration: a builder or a URL was given values that cannot work. Thrown when the value is built,
 * never later at first use. {@link #problems()} lists every problem found, not only the first.
 */
public class ConfigurationException extends CourierException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public ConfigurationException(String what, List<String> problems) {
        super(what + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigurationException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    /** Every problem found, in the order checked; never empty. */
    public List<String> problems() {
        return problems;
    }
}
