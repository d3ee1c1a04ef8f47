package io.courier.examples.quickstart;

import java.time.Instant;

/** A user-behaviour event, as the article's report gateway receives it. */
public record ReportEvent(String eventName, String userId, String reportData, Instant createTime) {
}
