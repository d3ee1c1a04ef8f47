package io.courier.examples.quickstart;

import io.courier.Message;
import io.courier.MessageId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subscriber (the article's saver): stores each event keyed by message id, so a redelivered message never
 * becomes a second row. Stands in for a database table here.
 */
public final class EventSaver {
    private final Map<MessageId, ReportEvent> table = new ConcurrentHashMap<>();

    public void handle(Message<ReportEvent> message) {
        table.putIfAbsent(message.id(), message.payload());
    }

    public int stored() {
        return table.size();
    }
}
