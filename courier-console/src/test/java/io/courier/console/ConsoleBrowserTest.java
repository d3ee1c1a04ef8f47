package io.courier.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Broker;
import io.courier.Brokers;
import io.courier.InitialPosition;
import io.courier.NonRetryableException;
import io.courier.SubscribeOptions;
import io.courier.core.MessageServer;
import io.courier.embedded.ChildJvm;
import io.courier.pulsar.embedded.EmbeddedPulsarExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (headless Chromium driven by Selenium) against a real embedded Pulsar, as the README's
 * walkthrough goes: a published topic shows up, a poisoned message's dead letter shows its reason, discarding without
 * confirmation does nothing, replaying after the fix makes the handler succeed, the service page pauses and resumes.
 * Chromium and ChromeDriver come from Debian's packages (.ci/run installs them); the test fails without them.
 */
@ExtendWith(EmbeddedPulsarExtension.class)
class ConsoleBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Where the README's screenshots are written when -Dcourier.screenshots=DIR is given. */
    private static final String SCREENSHOTS = System.getProperty("courier.screenshots");

    private Broker broker;
    private MessageServer service;
    private Console console;
    private WebDriver browser;
    private String base;
    private final AtomicBoolean fixed = new AtomicBoolean();
    private final List<String> stored = new CopyOnWriteArrayList<>();
    private java.nio.file.Path profile;
    private final String topic = "console-orders-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void start() throws Exception {
        broker = Brokers.open(EmbeddedPulsarExtension.shared().serviceUrl(), io.courier.BrokerOptions.builder()
                .property("adminUrl", EmbeddedPulsarExtension.shared().httpUrl()).build());
        service = MessageServer.builder(broker).name("saver").build();
        service.register(SubscribeOptions.builder(topic, "saver").initialPosition(InitialPosition.EARLIEST).build(),
                Map.class, m -> {
                    if (m.payload().containsKey("poison") && !fixed.get()) {
                        throw new NonRetryableException("cannot store order " + m.payload().get("order") + ": poison");
                    }
                    stored.add(String.valueOf(m.payload().get("order")));
                });
        service.start();
        console = Console.builder(broker).bind("127.0.0.1", 0).refreshEvery(Duration.ofSeconds(1)).service(service).build();
        console.start();
        base = console.endpoint().orElseThrow().toString().replaceAll("/$", "");

        profile = Files.createTempDirectory("courier-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            ChildJvm.deleteRecursively(profile);   // the browser's profile: nothing of the run left behind
        }
        if (console != null) {
            console.stop(Duration.ofSeconds(1));
        }
        if (service != null) {
            service.stop(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void publishWatchPoisonInspectDiscardRefusedReplayAndPause() throws Exception {
        broker.publish(topic, Map.of("order", 1));

        // the overview lists the topic once it exists, refreshed live without a reload
        browser.get(base + "/");
        until(() -> browser.findElements(By.linkText(topic)).size() == 1, "topic listed on the overview");
        // Pulsar keeps rates: the chart is drawn (uPlot's canvas), not replaced by the no-rates note
        until(() -> !browser.findElements(By.cssSelector("#rates-chart canvas")).isEmpty(), "the rate chart drawn");
        assertThat(text(By.id("rates-chart"))).doesNotContain("keeps no rates");
        screenshot("overview");

        // its page: the service's subscription, then a poisoned message published from the form
        browser.findElement(By.linkText(topic)).click();
        until(() -> text(By.id("subscriptions")).contains("saver"), "subscription listed on the topic page");
        assertThat(text(By.id("latest-table"))).contains("\"order\" : 1");
        WebElement payload = browser.findElement(By.name("payload"));
        payload.clear();
        payload.sendKeys("{\"order\": 2, \"poison\": true}");
        assertThat(messageAfter(By.id("publish"))).startsWith("published ").endsWith(" to " + topic);
        screenshot("topic");

        // the dead-letter page: its reason, attempts and exception
        String dlq = topic + "-saver-DLQ";
        until(() -> {
            browser.get(base + "/dlq");
            return browser.findElements(By.linkText(dlq)).size() == 1;
        }, "dead-letter topic listed");
        browser.findElement(By.linkText(dlq)).click();
        until(() -> browser.findElements(By.cssSelector("tr.letter")).size() == 1, "one letter shown");
        assertThat(text(By.cssSelector("tr.letter .reason"))).isEqualTo("non-retryable");
        assertThat(text(By.cssSelector("tr.letter .exception")))
                .isEqualTo("io.courier.NonRetryableException: cannot store order 2: poison");
        assertThat(text(By.cssSelector("tr.letter-body .payload"))).contains("\"poison\" : true");
        screenshot("dead-letters");

        // discard all without ticking the confirmation: refused, the letter still there
        assertThat(messageAfter(By.id("discard-all"))).contains("nothing was discarded");
        browser.get(base + "/dlq/letters?topic=" + dlq);
        assertThat(browser.findElements(By.cssSelector("tr.letter"))).hasSize(1);

        // the bug fixed, the letter replayed: the handler stores it
        fixed.set(true);
        browser.findElement(By.cssSelector("tr.letter input.select")).click();
        assertThat(messageAfter(By.id("replay-selected"))).isEqualTo("1 letter(s) replayed to their original topic");
        assertThat(browser.findElements(By.id("no-letters"))).hasSize(1);
        until(() -> stored.contains("2"), "the replayed order stored by the handler");
        assertThat(stored).containsExactly("1", "2");

        // the service's own view: processed counts, pause and resume
        browser.get(base + "/service");
        until(() -> text(By.cssSelector("table.health .processed")).equals("2"), "two processed on the service page");
        screenshot("service");
        browser.findElement(By.cssSelector("button.pause")).click();
        until(() -> text(By.id("message")).equals("paused saver"), "the pause answered");
        assertThat(text(By.cssSelector("table.health .sub-state"))).isEqualTo("PAUSED");
        browser.findElement(By.cssSelector("button.resume")).click();
        until(() -> text(By.id("message")).equals("resumed saver"), "the resume answered");
        assertThat(text(By.cssSelector("table.health .sub-state"))).isEqualTo("RUNNING");
    }

    /** Clicks a button of a page that has no message yet, and returns the message of the page it leads to. */
    private String messageAfter(By button) {
        assertThat(browser.findElements(By.id("message"))).isEmpty();
        browser.findElement(button).click();
        until(() -> !browser.findElements(By.id("message")).isEmpty(), "the answer to " + button);
        return text(By.id("message"));
    }

    private String text(By by) {
        return browser.findElement(by).getText().strip();
    }

    private void until(java.util.function.BooleanSupplier condition, String what) {
        new WebDriverWait(browser, WAIT).withMessage(what).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class).until(d -> condition.getAsBoolean());
    }

    private void screenshot(String name) throws Exception {
        if (SCREENSHOTS != null) {
            Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
            Files.createDirectories(Path.of(SCREENSHOTS));
            Files.copy(shot, Path.of(SCREENSHOTS, "console-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
