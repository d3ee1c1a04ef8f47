package io.courier;

/**
 * The topic's backlog quota is full: a subscription has more unacknowledged data than the quota allows, and the
 * broker rejects new messages until consumers catch up. Distinct from other publish failures so that a caller can
 * answer "busy, try later" (the peak-shaving pattern).
 */
public class BacklogQuotaExceededException extends PublishException {
    private static final long serialVersionUID = 1L;

    public BacklogQuotaExceededException(String message) {
        super(message);
    }

    public BacklogQuotaExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
