package io.courier.core;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * A lifecycle-managed server hosted by an {@link App}: a {@link MessageServer}, an HTTP server, anything that
 * starts and stops with the service. Implementations are thread-safe.
 *
 * <p>Moves: {@code NEW → STARTING → RUNNING → STOPPING → STOPPED}, or {@code → FAILED} when start fails.
 * {@link #start()} on a running server and {@link #stop(Duration)} on a stopped one do nothing; starting a stopped or
 * failed server throws {@link io.courier.LifecycleException}.
 */
public interface Server {

    /** A short name for logs and errors, e.g. {@code messages} or {@code http}. */
    String name();

    /**
     * Starts serving; returns once the server is ready.
     *
     * @throws io.courier.CourierException naming what could not start; the server is then FAILED and holds nothing
     */
    void start();

    /** Stops taking work, finishes in-flight work for at most {@code grace}, then releases resources. */
    void stop(Duration grace);

    /** Where clients reach the server (an HTTP URL); empty for a server without an inbound port. */
    Optional<URI> endpoint();

    ServerState state();
}
