package io.courier.console;

/**
 * A route's outcome: status, body and its content type.
 *
 * @param status      the HTTP status
 * @param body        the rendered page, or JSON for the chart's data
 * @param contentType the body's content type
 */
record Page(int status, String body, String contentType) {
    Page(int status, String html) {
        this(status, html, "text/html; charset=utf-8");
    }
}
