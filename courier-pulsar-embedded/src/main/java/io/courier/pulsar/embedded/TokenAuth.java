package io.courier.pulsar.embedded;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HS256 secret and tokens signed with it, in the JWT form Pulsar's token authentication expects
 * ({@code {"sub": role}}). Made here with the JDK alone so the test classpath needs no JWT library.
 */
public final class TokenAuth {
    static final String SUPER_USER = "courier-admin";
    private final byte[] secret;
    private final String superUserToken;

    private TokenAuth(byte[] secret) {
        this.secret = secret;
        this.superUserToken = tokenFor(SUPER_USER);
    }

    /** A fresh random secret (a token from another one is a wrong token for a broker). */
    public static TokenAuth generate() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new TokenAuth(secret);
    }

    String secretKeyBase64() {
        return Base64.getEncoder().encodeToString(secret);
    }

    String superUserToken() {
        return superUserToken;
    }

    /** A token for {@code role} signed with this secret. */
    public String tokenFor(String role) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = url.encodeToString(("{\"sub\":\"" + role + "\"}").getBytes(StandardCharsets.UTF_8));
        String signingInput = header + "." + payload;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + url.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
