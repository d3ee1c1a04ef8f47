package io.courier;

/**
 * Answers one request (see {@link Broker#respond}). The value returned is the reply, encoded with the responder's
 * codec and sent to the requester alone; {@code null} replies with an empty reply, which the requester receives as
 * {@code null}. Throwing sends the requester a {@link ResponderFailedException} naming the exception's class and
 * message instead: a request is answered once, never retried or dead-lettered. Called from several threads at once
 * when the responder's concurrency is above 1.
 *
 * @param <T> request payload type
 * @param <R> reply type
 */
@FunctionalInterface
public interface Responder<T, R> {
    R respond(Message<T> request) throws Exception;
}
