package io.courier.console;

import io.courier.Topics;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.eclipse.jetty.http.HttpStatus;

/** The console's query and form values, checked: each wrong one is a {@link Refused} 400 that says what is expected. */
final class Params {
    static final int DEFAULT_LATEST = 20;
    static final int MAX_LATEST = 200;
    static final long MAX_SKIP = 1_000_000_000L;

    private Params() {
    }

    static String topic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, "no topic given");
        }
        String problem = Topics.problem(topic);
        if (problem != null) {
            throw new Refused(HttpStatus.BAD_REQUEST_400, problem);
        }
        return topic;
    }

    /** How many of a topic's latest messages to show: 1 to {@value #MAX_LATEST}, {@value #DEFAULT_LATEST} when absent. */
    static int latest(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LATEST;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= MAX_LATEST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Refused(HttpStatus.BAD_REQUEST_400, "the latest messages shown must be 1 to " + MAX_LATEST + ", got '" + value + "'");
    }

    /** How many messages to skip: 1 to {@value #MAX_SKIP}. */
    static long skipCount(String value) {
        try {
            long n = Long.parseLong(String.valueOf(value).trim());
            if (n >= 1 && n <= MAX_SKIP) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Refused(HttpStatus.BAD_REQUEST_400, "the messages to skip must be a whole number from 1 to " + MAX_SKIP
                + ", got '" + value + "'");
    }

    /** An ISO-8601 instant (2026-12-01T10:00:00Z), or a browser's date and time without a zone, taken as UTC. */
    static Instant time(String value) {
        String text = value == null ? "" : value.trim();
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException again) {
                throw new Refused(HttpStatus.BAD_REQUEST_400, "the time must look like 2026-12-01T10:00:00Z (UTC), got '"
                        + text + "'");
            }
        }
    }
}
