package io.courier.core;

/**
 * Wraps handler attempts: tracing, metrics, logging, validation. Call {@link Invocation#proceed()} to go on; skip
 * it to short-circuit (the attempt then counts as successful unless you throw). Middleware registered first on a
 * {@link MessageServer} is the outermost. Implementations must be thread-safe.
 *
 * <pre>{@code
 * server.use(invocation -> {
 *     long start = System.nanoTime();
 *     try { invocation.proceed(); } finally { record(System.nanoTime() - start); }
 * });
 * }</pre>
 */
@FunctionalInterface
public interface Middleware {
    void handle(Invocation invocation) throws Exception;
}
