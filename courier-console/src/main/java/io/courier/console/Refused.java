package io.courier.console;

/** A request the console refuses with a message for the page, nothing done. */
final class Refused extends RuntimeException {
    private final int status;

    Refused(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
