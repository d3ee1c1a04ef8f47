package io.courier.console;

import io.courier.SubscriptionHealth;
import java.util.List;

/**
 * One message server of the service the console is embedded in. Public only because the compiled templates read it.
 *
 * @param index the server's position in the console's list (what the pause and resume forms send)
 * @param name  the server's name
 * @param state its lifecycle state
 * @param ready its readiness ({@link io.courier.core.MessageServer#isReady()})
 * @param live  its liveness ({@link io.courier.core.MessageServer#isLive()})
 * @param rows  one per subscription
 */
public record ServiceView(int index, String name, String state, boolean ready, boolean live, List<Row> rows) {

    /**
     * @param health the subscription's health
     * @param lag    its backlog on the broker, or "–" where the backend cannot tell
     */
    public record Row(SubscriptionHealth health, String lag) {
    }
}
