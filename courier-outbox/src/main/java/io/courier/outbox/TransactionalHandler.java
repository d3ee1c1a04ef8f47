package io.courier.outbox;

import io.courier.Message;
import java.sql.Connection;

/**
 * A handler that does its work on the {@link Inbox}'s connection, inside the transaction that also records the
 * message as handled. It must not commit, roll back or close the connection: the inbox does, after it returns.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface TransactionalHandler<T> {
    /** Handles a message not handled before; throwing rolls back its work and the record, and fails the attempt. */
    void handle(Connection connection, Message<T> message) throws Exception;
}
