package io.courier.examples.uba;

/** The example's topics and subscription, as in the article. */
public final class Topics {
    public static final String EVENT = "logger.report.event";
    public static final String USER = "logger.report.user";
    public static final String SAVER_SUBSCRIPTION = "logger-saver";
    /** When the gateway received the report (epoch microseconds), for end-to-end latency. */
    public static final String RECEIVED_AT = "uba-received-us";

    private Topics() {
    }
}
