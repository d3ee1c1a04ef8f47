package io.courier.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.BrokerOptions;
import io.courier.Brokers;
import io.courier.ConnectException;
import io.courier.SubscribeOptions;
import io.courier.nats.embedded.EmbeddedNats;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls://} against private NATS servers that require TLS, with certificates made for the test by the JDK's
 * keytool: one names 127.0.0.1, the other only another host. A connection trusts the configured trust store (else the
 * JVM's) and checks the host name unless told not to; every refusal is a {@link ConnectException} within seconds that
 * says what to set, and never shows the trust store's password.
 */
class NatsTlsTest {
    private static final String TRUST_PASSWORD = "trust-secret-1";
    @TempDir
    static Path dir;
    private static EmbeddedNats named;
    private static EmbeddedNats misnamed;
    private static Path trustStore;

    @BeforeAll
    static void start() throws Exception {
        Path right = serverCertificate("right", "ip:127.0.0.1");
        Path wrong = serverCertificate("wrong", "dns:elsewhere.example");
        trustStore = dir.resolve("trust.p12");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("right", load(right).getCertificate("server"));
        trust.setCertificateEntry("wrong", load(wrong).getCertificate("server"));
        try (OutputStream out = new FileOutputStream(trustStore.toFile())) {
            trust.store(out, TRUST_PASSWORD.toCharArray());
        }
        named = EmbeddedNats.builder().tls(dir.resolve("right.crt"), dir.resolve("right.key")).build().start();
        misnamed = EmbeddedNats.builder().tls(dir.resolve("wrong.crt"), dir.resolve("wrong.key")).build().start();
    }

    @AfterAll
    static void stop() {
        named.close();
        misnamed.close();
    }

    /** A key pair and self-signed certificate for {@code san}, as PEM files {@code name.crt} and {@code name.key}. */
    private static Path serverCertificate(String name, String san) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=courier-test-" + name, "-ext", "SAN=" + san, "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("keytool: " + output).isTrue();
        KeyStore ks = load(store);
        PrivateKey key = (PrivateKey) ks.getKey("server", "changeit".toCharArray());
        Certificate cert = ks.getCertificate("server");
        Files.writeString(dir.resolve(name + ".crt"), pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", key.getEncoded()));
        return store;
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static BrokerOptions trusting(Map<String, String> more) {
        BrokerOptions.Builder b = BrokerOptions.builder().property("tlsTruststoreLocation", trustStore.toString())
                .property("tlsTruststorePassword", TRUST_PASSWORD);
        more.forEach(b::property);
        return b.build();
    }

    @Test
    void withTheTrustStoreATlsConnectionDeliversAndAnswers() throws Exception {
        assertThat(named.url()).startsWith("tls://127.0.0.1:");
        try (Broker broker = Brokers.open(named.url(), trusting(Map.of()))) {
            CompletableFuture<String> received = new CompletableFuture<>();
            broker.subscribe(SubscribeOptions.builder("secure.orders", "billing").build(), String.class,
                    m -> received.complete(m.payload()));
            broker.publish("secure.orders", "order-1");
            assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo("order-1");
            broker.respond(SubscribeOptions.builder("secure.price", "pricing").build(), String.class, m -> 42);
            assertThat(broker.request("secure.price", "order-1", Integer.class, Duration.ofSeconds(10))).isEqualTo(42);
        }
    }

    @Test
    void aCertificateOutsideTheTrustStoreIsRefusedQuicklySayingWhatToSet() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Brokers.open(named.url())).isInstanceOf(ConnectException.class)
                .hasMessageContaining("tlsTruststoreLocation");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessHostNameVerificationIsOff() {
        assertThatThrownBy(() -> Brokers.open(misnamed.url(), trusting(Map.of())))
                .isInstanceOf(ConnectException.class).hasMessageContaining("tlsHostnameVerification")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TRUST_PASSWORD));
        try (Broker broker = Brokers.open(misnamed.url(), trusting(Map.of("tlsHostnameVerification", "false")))) {
            broker.publish("secure.unchecked", "x");
        }
    }

    @Test
    void aPlainConnectionToATlsServerIsRefusedSayingTls() {
        String plain = named.url().replace("tls://", "nats://");
        assertThatThrownBy(() -> Brokers.open(plain)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("tls://");
    }
}
