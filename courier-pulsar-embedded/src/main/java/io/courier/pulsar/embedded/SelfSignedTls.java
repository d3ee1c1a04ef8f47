package io.courier.pulsar.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway key pair and self-signed certificate for {@code localhost}/{@code 127.0.0.1}, made with the JDK's own
 * {@code keytool} so that tests need no OpenSSL and no extra library: a PKCS#12 key store for the broker and the
 * certificate in PEM for clients to trust.
 */
final class SelfSignedTls {
    static final String KEY_STORE = "broker.p12";
    static final String CERTIFICATE = "broker-cert.pem";
    /** Protects nothing of value (a test certificate in a temporary directory); the broker config needs one. */
    static final String PASSWORD = "courier-embedded";

    private SelfSignedTls() {
    }

    static Path create(Path dir) {
        try {
            Files.createDirectories(dir);
            Path store = dir.resolve(KEY_STORE);
            Files.deleteIfExists(store);
            keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
            keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", store.toString(), "-storepass", PASSWORD,
                    "-file", dir.resolve(CERTIFICATE).toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the TLS certificate in " + dir, e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
