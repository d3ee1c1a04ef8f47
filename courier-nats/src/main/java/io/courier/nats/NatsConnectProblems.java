package io.courier.nats;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a connection could not be made. The NATS client ends a failed connect with "Unable to connect to NATS servers"
 * whatever the reason, and reports the reason to its error listener only: this listener keeps the last one, so that
 * a refused certificate or a server that wants TLS is not reported as a server that does not answer. Thread-safe.
 */
final class NatsConnectProblems implements ErrorListener {
    private final AtomicReference<Exception> last = new AtomicReference<>();

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        last.set(exp);
    }

    /** The reason in a user's terms, naming the setting to change where one would help. */
    String explain(NatsSettings settings) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = last.get(); t != null && chain.length() < 4_000; t = t.getCause()) {
            chain.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        String all = chain.toString();
        if (all.contains("No subject alternative") || all.contains("No name matching")) {
            return "the server's certificate does not name the host connected to (" + settings.servers() + "); connect "
                    + "by a name it has, or set tlsHostnameVerification=false";
        }
        if (all.contains("PKIX path") || all.contains("unable to find valid certification path")
                || all.contains("CertPath")) {
            return "the server's certificate is not trusted; give its CA in a trust store (tlsTruststoreLocation) or "
                    + "the JVM's";
        }
        if ((all.contains("SSL") && !settings.tls()) || all.contains("TLS required")) {
            return "the server requires TLS; connect with tls://host:port";
        }
        return "no NATS server answered at " + settings.servers() + "; is it running, and are host and port right?";
    }
}
