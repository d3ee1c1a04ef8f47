package io.courier.console;

/**
 * What every page shows around its content: the broker (its URL without secrets), the form token, a message after an
 * action, and the refresh period of the live parts. Public only because the compiled templates read it.
 *
 * @param brokerUrl      the broker's URL as {@link io.courier.Broker#url()} gives it (user-info and secrets removed)
 * @param backend        the backend's name
 * @param csrf           the token every form sends back
 * @param message        the outcome of the last action, or null
 * @param messageKind    {@code ok} or {@code error}
 * @param refreshSeconds how often live parts reload
 * @param payloads       how payloads are written
 */
public record View(String brokerUrl, String backend, String csrf, String message, String messageKind, long refreshSeconds,
                   Payloads payloads) {

    View withMessage(String text, boolean ok) {
        return new View(brokerUrl, backend, csrf, text, ok ? "ok" : "error", refreshSeconds, payloads);
    }
}
