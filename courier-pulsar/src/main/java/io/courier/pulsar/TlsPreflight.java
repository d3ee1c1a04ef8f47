package io.courier.pulsar;

import io.courier.ConnectException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * One TLS handshake with the JDK before the Pulsar client connects to a {@code pulsar+ssl://} URL. The client
 * retries a failed handshake until its operation timeout and then reports only "connection closed"; this says in a
 * second that the certificate is not trusted (or does not match the host), and what to set.
 */
final class TlsPreflight {
    private static final int TIMEOUT_MS = 5_000;

    private TlsPreflight() {
    }

    /** @throws ConnectException when the handshake is refused; a broker that does not answer is left to the client */
    static void check(String serviceUrl, PulsarOptions options) {
        if (!serviceUrl.startsWith("pulsar+ssl://") || options.get(PulsarOptions.TLS_ALLOW_INSECURE)) {
            return;
        }
        URI first = URI.create(serviceUrl.split(",")[0]);
        String host = first.getHost();
        int port = first.getPort() > 0 ? first.getPort() : 6651;
        SSLContext context;
        try {
            context = context(options.get(PulsarOptions.TLS_TRUST_CERTS));
        } catch (IOException | GeneralSecurityException e) {
            throw new ConnectException("Pulsar at " + serviceUrl + ": cannot read the trusted certificates in '"
                    + options.get(PulsarOptions.TLS_TRUST_CERTS) + "' (tlsTrustCertsFilePath): " + e.getMessage());
        }
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            if (options.get(PulsarOptions.TLS_HOSTNAME_VERIFICATION)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
            }
            socket.startHandshake();
        } catch (SSLException e) {
            throw new ConnectException("Pulsar at " + serviceUrl + ": TLS handshake failed: " + e.getMessage()
                    + (options.get(PulsarOptions.TLS_TRUST_CERTS) == null
                    ? "; the JVM's default trust store does not trust the broker's certificate: set tlsTrustCertsFilePath"
                    : "; check that tlsTrustCertsFilePath holds the certificate (or its CA) the broker presents for '"
                    + host + "'"));
        } catch (IOException e) {
            // not reachable at all: the client's own connection attempt reports that in its words
        }
    }

    private static SSLContext context(String trustFile) throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        if (trustFile == null) {
            context.init(null, null, null);
            return context;
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(trustFile))) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("trusted-" + i++, c);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in the file");
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
