package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import io.courier.pulsar.embedded.TokenAuth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario 7: the example's main job (gateway and saver) against a Pulsar that takes only TLS clients
 * with a valid token. Each run is a separate JVM with INFO logging, so every log line and stack trace it writes is
 * captured: with the right token it stores every report; with a wrong one, or without the certificate, it fails fast
 * and says why; no run ever prints the token.
 */
class UbaSecurityTest {
    private static EmbeddedPulsar pulsar;

    @BeforeAll
    static void start() {
        pulsar = EmbeddedPulsar.builder().tls().tokenAuth().build().start();
    }

    @AfterAll
    static void stop() {
        pulsar.close();
    }

    private record Run(int exit, String output, Duration took) {
    }

    @Test
    void withTheRightTokenOverTlsEveryReportIsStoredAndTheTokenIsNeverPrinted() throws Exception {
        String token = pulsar.superUserToken();
        Run run = runMain(env(token, pulsar.tlsTrustCertsFile().toString()), "--reports", "500", "--concurrency", "8");
        System.out.printf("[reliability] security-right-token: exit %d in %d ms, %d output lines, token printed: %s%n",
                run.exit(), run.took().toMillis(), run.output().lines().count(), run.output().contains(token));
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("stored 500 rows: 500 reports once, 0 in more than one row, 0 missing")
                .contains(pulsar.tlsServiceUrl());
        assertThat(run.output()).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    @Test
    void aWrongTokenFailsFastAndClearlyWithoutPrintingEitherToken() throws Exception {
        String wrong = TokenAuth.generate().tokenFor("courier-admin");
        Run run = runMain(env(wrong, pulsar.tlsTrustCertsFile().toString()), "--reports", "10");
        System.out.printf("[reliability] security-wrong-token: exit %d in %d ms: %s%n", run.exit(), run.took().toMillis(),
                firstLineWith(run.output(), "refused the credentials"));
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("the broker refused the credentials");
        assertThat(run.output()).doesNotContain(wrong).doesNotContain(pulsar.superUserToken());
        assertThat(run.took()).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void withoutTrustingTheBrokersCertificateItFailsFastAndClearly() throws Exception {
        String token = pulsar.superUserToken();
        Run run = runMain(env(token, ""), "--reports", "10");
        System.out.printf("[reliability] security-untrusted-certificate: exit %d in %d ms: %s%n", run.exit(),
                run.took().toMillis(), firstLineWith(run.output(), "TLS"));
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("TLS handshake failed").contains("tlsTrustCertsFilePath");
        assertThat(run.output()).doesNotContain(token);
        assertThat(run.took()).isLessThan(Duration.ofSeconds(20));
    }

    private static Map<String, String> env(String token, String trustFile) {
        return Map.of("UBA_DATA_PULSAR_URL", pulsar.tlsServiceUrl(),
                "UBA_DATA_PULSAR_ADMIN_URL", pulsar.tlsHttpUrl(),
                "UBA_DATA_PULSAR_AUTH_TOKEN", token,
                "UBA_DATA_PULSAR_TLS_TRUST_CERTS_FILE", trustFile,
                "UBA_SERVER_HTTP_ADDR", "127.0.0.1:0");
    }

    private static Run runMain(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", System.getProperty("java.class.path"),
                UbaMain.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        long begin = System.nanoTime();
        Process p = pb.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e + ")";
            }
        });
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("UbaMain did not finish within 3 minutes");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        try {
            return new Run(p.exitValue(), output.get(30, TimeUnit.SECONDS), took);
        } catch (Exception e) {
            throw new AssertionError("no output from UbaMain", e);
        }
    }

    private static String firstLineWith(String output, String text) {
        return output.lines().filter(l -> l.contains(text)).findFirst().orElse("(no line with '" + text + "')");
    }
}
