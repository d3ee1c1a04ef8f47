package io.courier.core.spi;

import java.util.function.Consumer;

/**
 * Where a backend hands the requests a responder receives. The backend calls {@link #request} on its own thread and
 * must not block in it for long; {@code reply} may be called later on another thread, at most once, and sends the
 * reply to the requester alone.
 */
@FunctionalInterface
public interface RequestSink {
    void request(RawMessage request, Consumer<RawReply> reply);
}
