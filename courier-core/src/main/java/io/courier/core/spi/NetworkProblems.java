package io.courier.core.spi;

import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * What went wrong on the network, in a user's terms ("connection refused", "unknown host 'x'"), found anywhere in a
 * client's chain of causes: clients wrap the JDK's exception in their own (often shaded Netty) classes, whose names
 * mean nothing to someone who typed a host and port. The exception itself stays the cause of what Courier throws, for
 * a stack trace. Stateless.
 */
public final class NetworkProblems {
    private NetworkProblems() {
    }

    /** The network problem behind {@code failure}, or null when it is not one the JDK names. */
    public static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException) {
                return "unknown host" + (t.getMessage() == null ? "" : " '" + firstWord(t.getMessage()) + "'");
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof java.net.ConnectException) {
                String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
                return m.contains("timed out") ? "connection timed out" : "connection refused";
            }
            if (t instanceof SocketTimeoutException) {
                return "connection timed out";
            }
            if (t instanceof SSLException) {
                return "TLS handshake failed";
            }
        }
        return null;
    }

    private static String firstWord(String message) {
        int colon = message.indexOf(':');
        return (colon > 0 ? message.substring(0, colon) : message).trim();
    }
}
