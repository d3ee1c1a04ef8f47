package io.courier.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.ConfigurationException;
import io.courier.Envelope;
import io.courier.InitialPosition;
import io.courier.NonRetryableException;
import io.courier.SubscribeOptions;
import io.courier.Subscription;
import io.courier.core.DeadLetters;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Safe by default, over plain HTTP on the in-process broker: loopback unless a token is set, actions only with the
 * browser's form token, confirmation before discarding, every input checked with a clear message, and everything
 * shown escaped.
 */
class ConsoleSafetyTest {
    private static final String TOKEN = "a-console-token-of-some-length";

    private Broker broker;
    private Console console;
    private String base;
    private final CookieManager cookies = new CookieManager();
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(cookies).build();
    private final String topic = "safety-" + UUID.randomUUID().toString().substring(0, 8);
    private final String dlq = topic + "-saver-DLQ";

    @BeforeEach
    void start() {
        broker = Brokers.open("memory://console-safety-" + UUID.randomUUID());
    }

    @AfterEach
    void stop() {
        if (console != null) {
            console.stop(Duration.ofSeconds(1));
        }
        broker.close();
    }

    private void serve(Console.Builder builder) {
        console = builder.build();
        console.start();
        base = console.endpoint().orElseThrow().toString().replaceAll("/$", "");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String... fields) throws Exception {
        StringBuilder form = new StringBuilder();
        for (int i = 0; i < fields.length; i += 2) {
            form.append(form.length() == 0 ? "" : "&").append(URLEncoder.encode(fields[i], StandardCharsets.UTF_8))
                    .append('=').append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
        }
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The form token the console gave this client's cookie jar on its first page. */
    private String csrf() throws Exception {
        get("/");
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("courier-console-csrf"))
                .map(HttpCookie::getValue).findFirst().orElseThrow();
    }

    /** One dead letter, key and header chosen to be markup. */
    private void poison() {
        Subscription s = broker.subscribe(SubscribeOptions.builder(topic, "saver").initialPosition(InitialPosition.EARLIEST)
                .build(), String.class, m -> {
                    throw new NonRetryableException("<b>bold</b> failure");
                });
        broker.publish(Envelope.builder(topic, "<script>alert(1)</script>").codec("text")
                .key("<img src=x onerror=alert(2)>").build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (broker.admin().topics().stream().noneMatch(t -> t.name().equals(dlq)) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        s.close();
    }

    @Test
    void anAddressOtherThanLoopbackNeedsALongToken() {
        assertThatThrownBy(() -> Console.builder(broker).bind("0.0.0.0", 0).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("console bound to 0.0.0.0 would let anyone who reaches it read and replay messages: set a "
                        + "token, or bind it to 127.0.0.1");
        assertThatThrownBy(() -> Console.builder(broker).token("short").build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> Console.builder(broker).bind("127.0.0.1", 70_000).build())
                .isInstanceOf(ConfigurationException.class).hasMessage("console port must be 0 to 65535, got 70000");
        assertThatThrownBy(() -> Console.builder(broker).bind("no-such-host.invalid", 0).build())
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("console address 'no-such-host.invalid' is not known");
    }

    @Test
    void withATokenNothingIsShownBeforeSigningIn() throws Exception {
        serve(Console.builder(broker).bind("127.0.0.1", 0).token(TOKEN));
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.body()).contains("Sign in").doesNotContain("memory://").doesNotContain(TOKEN);
        assertThat(get("/dlq").statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = post("/login", "token", "not-the-token-at-all");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("wrong token");
        HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bearer.statusCode()).isEqualTo(200);
        assertThat(post("/login", "token", TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> signedIn = get("/");
        assertThat(signedIn.statusCode()).isEqualTo(200);
        assertThat(signedIn.body()).contains("Topics").doesNotContain(TOKEN);
    }

    @Test
    void anActionWithoutTheFormTokenOrTheConfirmationDoesNothing() throws Exception {
        serve(Console.builder(broker).bind("127.0.0.1", 0));
        poison();
        String csrf = csrf();
        HttpResponse<String> forged = post("/dlq/discard", "topic", dlq, "scope", "all", "confirm", "yes");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("nothing was done");
        HttpResponse<String> stale = post("/dlq/discard", "csrf", "x".repeat(43), "topic", dlq, "scope", "all", "confirm", "yes");
        assertThat(stale.statusCode()).isEqualTo(403);
        HttpResponse<String> unconfirmed = post("/dlq/discard", "csrf", csrf, "topic", dlq, "scope", "all");
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(unconfirmed.body()).contains("nothing was discarded");
        assertThat(DeadLetters.of(broker, dlq).read(10, Duration.ofSeconds(5))).hasSize(1);

        HttpResponse<String> confirmed = post("/dlq/discard", "csrf", csrf, "topic", dlq, "scope", "all", "confirm", "yes");
        assertThat(confirmed.statusCode()).isEqualTo(200);
        assertThat(confirmed.body()).contains("1 letter(s) discarded");
        assertThat(DeadLetters.of(broker, dlq).read(10, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void whatIsShownIsEscaped() throws Exception {
        serve(Console.builder(broker).bind("127.0.0.1", 0));
        poison();
        HttpResponse<String> page = get("/dlq/letters?topic=" + URLEncoder.encode(dlq, StandardCharsets.UTF_8));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert(1)")
                .contains("&lt;img src=x onerror=alert(2)&gt;").doesNotContain("<img src=x")
                .contains("&lt;b&gt;bold&lt;/b&gt; failure").doesNotContain("<b>bold</b>");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValue("default-src 'self'; style-src 'self'; frame-ancestors 'none'");
    }

    @Test
    void badInputIsAClearMessageAndChangesNothing() throws Exception {
        serve(Console.builder(broker).bind("127.0.0.1", 0));
        String csrf = csrf();
        assertThat(get("/topic").statusCode()).isEqualTo(400);
        assertThat(get("/topic").body()).contains("no topic given");
        HttpResponse<String> badName = get("/topic?name=" + URLEncoder.encode("has space", StandardCharsets.UTF_8));
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(get("/dlq/letters?topic=orders").body()).contains("is not a dead-letter topic");
        assertThat(get("/no/such/page").statusCode()).isEqualTo(404);
        HttpResponse<String> rates = get("/api/rates");
        assertThat(rates.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(rates.body()).contains("\"kept\":false").contains("\"backend\":\"memory\"");

        HttpResponse<String> notJson = post("/topic/publish", "csrf", csrf, "topic", topic, "payload", "{not json", "format", "json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("the payload is not JSON");
        HttpResponse<String> format = post("/topic/publish", "csrf", csrf, "topic", topic, "payload", "x", "format", "xml");
        assertThat(format.body()).contains("format must be json or text, got 'xml'");
        assertThat(post("/topic/publish", "csrf", csrf, "topic", topic, "payload", "").body()).contains("the payload is empty");
        assertThat(broker.admin().topics()).noneMatch(t -> t.name().equals(topic));

        HttpResponse<String> published = post("/topic/publish", "csrf", csrf, "topic", topic, "payload", "{\"a\": 1}",
                "format", "json", "key", "k1");
        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(published.body()).contains("published ").contains(" to " + topic);
        assertThat(broker.admin().topics()).anyMatch(t -> t.name().equals(topic) && t.published().getAsLong() == 1);
    }

    @Test
    void movingASubscriptionNeedsTheConfirmationAndValidInput() throws Exception {
        serve(Console.builder(broker).bind("127.0.0.1", 0));
        broker.subscribe(SubscribeOptions.builder(topic, "audit").initialPosition(InitialPosition.EARLIEST).build(),
                String.class, m -> { }).close();
        for (int i = 0; i < 3; i++) {
            broker.publish(Envelope.builder(topic, "m" + i).codec("text").build());
        }
        String csrf = csrf();
        HttpResponse<String> unconfirmed = post("/subscription/move", "csrf", csrf, "topic", topic, "subscription", "audit",
                "action", "skip-all");
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(unconfirmed.body()).contains("nothing was moved");
        assertThat(broker.admin().backlog(topic, "audit")).isEqualTo(3);
        assertThat(post("/subscription/move", "csrf", csrf, "topic", topic, "subscription", "audit", "action", "skip",
                "count", "-1", "confirm", "yes").body()).contains("the messages to skip must be a whole number from 1");
        assertThat(post("/subscription/move", "csrf", csrf, "topic", topic, "subscription", "audit", "action", "reset",
                "time", "yesterday", "confirm", "yes").body()).contains("the time must look like 2026-12-01T10:00:00Z (UTC), got 'yesterday'");
        assertThat(broker.admin().backlog(topic, "audit")).isEqualTo(3);

        HttpResponse<String> skipped = post("/subscription/move", "csrf", csrf, "topic", topic, "subscription", "audit",
                "action", "skip", "count", "2", "confirm", "yes");
        assertThat(skipped.statusCode()).isEqualTo(200);
        assertThat(skipped.body()).contains("skipped 2 message(s) of audit");
        assertThat(broker.admin().backlog(topic, "audit")).isEqualTo(1);
        HttpResponse<String> reset = post("/subscription/move", "csrf", csrf, "topic", topic, "subscription", "audit",
                "action", "reset", "time", "2000-01-01T00:00", "confirm", "yes");
        assertThat(reset.body()).contains("reset audit to the messages published from 2000-01-01T00:00:00Z on");
        assertThat(broker.admin().backlog(topic, "audit")).isEqualTo(3);

        // the latest messages, decoded and escaped, on the topic's page
        broker.publish(Envelope.builder(topic, "<i>latest</i>").codec("text").build());
        HttpResponse<String> page = get("/topic?name=" + topic + "&latest=2");
        assertThat(page.body()).contains("&lt;i&gt;latest&lt;/i&gt;").contains(">m2<").doesNotContain(">m1<");
        assertThat(get("/topic?name=" + topic + "&latest=0").body()).contains("the latest messages shown must be 1 to 200");
    }
}
