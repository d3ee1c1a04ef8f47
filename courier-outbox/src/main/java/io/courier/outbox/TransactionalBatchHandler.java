package io.courier.outbox;

import io.courier.Message;
import java.sql.Connection;
import java.util.List;

/**
 * A batch handler that does its work on the {@link Inbox}'s connection, inside the transaction that also records the
 * batch's messages as handled. It must not commit, roll back or close the connection.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface TransactionalBatchHandler<T> {
    /**
     * Handles the messages of a batch not handled before (never empty: a batch of only duplicates does not call it),
     * in delivery order; throwing rolls back its work and the records, and fails the attempt.
     */
    void handle(Connection connection, List<Message<T>> fresh) throws Exception;
}
