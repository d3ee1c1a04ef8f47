package io.courier.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * Who may look and act: the optional console token (a Bearer header, or an HTTP-only cookie set once a browser gave
 * it), and the per-browser form token every POST must send back (a page of another site cannot read it). Every
 * comparison takes the same time whatever matches. Thread-safe.
 */
final class Access {
    private static final String CSRF_COOKIE = "courier-console-csrf";
    private static final String TOKEN_COOKIE = "courier-console-token";
    /** 32 random bytes in unpadded base64. */
    private static final int FORM_TOKEN_LENGTH = 43;

    private final String token;
    private final SecureRandom random = new SecureRandom();

    /** @param token the console token, or null when none is needed (loopback only) */
    Access(String token) {
        this.token = token;
    }

    boolean signedIn(Request request) {
        if (token == null) {
            return true;
        }
        String bearer = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        return bearer != null && bearer.startsWith("Bearer ") && matches(bearer.substring(7), token)
                || matches(cookieValue(request, TOKEN_COOKIE), token);
    }

    /** True, and the browser signed in from now on, when {@code given} is the console token. */
    boolean signIn(String given, Response response) {
        if (token == null || !matches(given, token)) {
            return false;
        }
        Response.addCookie(response, cookie(TOKEN_COOKIE, given));
        return true;
    }

    /** The browser's form token: its cookie, or a new one set now. */
    String formToken(Request request, Response response) {
        String existing = cookieValue(request, CSRF_COOKIE);
        if (existing != null && existing.length() == FORM_TOKEN_LENGTH) {
            return existing;
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Response.addCookie(response, cookie(CSRF_COOKIE, value));
        return value;
    }

    /** True when a form sent back the browser's form token. */
    static boolean formTokenMatches(String sent, String formToken) {
        return matches(sent, formToken);
    }

    private static boolean matches(String given, String expected) {
        return given != null && expected != null
                && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpCookie cookie(String name, String value) {
        return HttpCookie.build(name, value).path("/").httpOnly(true).sameSite(HttpCookie.SameSite.STRICT).build();
    }

    private static String cookieValue(Request request, String name) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }
}
