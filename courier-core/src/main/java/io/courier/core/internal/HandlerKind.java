package io.courier.core.internal;

import io.courier.BatchHandler;
import io.courier.Handler;
import io.courier.ManualAckHandler;
import io.courier.Responder;
import java.util.Objects;

/**
 * The kind of a handler, chosen once where it enters Courier ({@code Broker.subscribe*},
 * {@code MessageServer.register*}) and carried as this value from there on: one message at a time, batches,
 * messages the handler settles itself, or requests answered with a reply.
 *
 * @param <T> the payload type
 */
public sealed interface HandlerKind<T> {

    /** A {@link Handler}: returning acknowledges, throwing goes to the failure policy. */
    record Single<T>(Handler<T> handler) implements HandlerKind<T> {
        public Single {
            Objects.requireNonNull(handler, "handler");
        }
    }

    /** A {@link BatchHandler}: all or nothing per batch. */
    record Batch<T>(BatchHandler<T> handler) implements HandlerKind<T> {
        public Batch {
            Objects.requireNonNull(handler, "handler");
        }
    }

    /** A {@link ManualAckHandler}: each message settled by the handler, on any thread, when it likes. */
    record Manual<T>(ManualAckHandler<T> handler) implements HandlerKind<T> {
        public Manual {
            Objects.requireNonNull(handler, "handler");
        }
    }

    /** A {@link Responder}: what it returns is the reply, what it throws goes back to the requester. */
    record Reply<T>(Responder<T, ?> responder) implements HandlerKind<T> {
        public Reply {
            Objects.requireNonNull(responder, "responder");
        }
    }
}
