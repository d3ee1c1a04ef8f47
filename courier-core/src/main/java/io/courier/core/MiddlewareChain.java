package io.courier.core;

import io.courier.BatchHandler;
import io.courier.FailureListener;
import io.courier.Handler;
import io.courier.ManualAckHandler;
import io.courier.Message;
import io.courier.Responder;
import io.courier.SubscribeOptions;
import io.courier.core.internal.HandlerKind;
import java.util.Collections;
import java.util.List;

/**
 * A {@link MessageServer}'s middleware around its handlers, the first added outermost. A handler of a server without
 * middleware is registered as it is (nothing is added to its path). Thread-safe (immutable).
 */
final class MiddlewareChain {
    private final List<Middleware> middleware;

    MiddlewareChain(List<Middleware> middleware) {
        this.middleware = List.copyOf(middleware);
    }

    /** {@code options} with every middleware that also listens to the failure policy added as a listener. */
    SubscribeOptions withListeners(SubscribeOptions options) {
        SubscribeOptions.Builder b = null;
        for (Middleware m : middleware) {
            if (m instanceof FailureListener listener && !options.failureListeners().contains(listener)) {
                b = b == null ? options.toBuilder() : b;
                b.failureListener(listener);
            }
        }
        return b == null ? options : b.build();
    }

    /** The handler of {@code kind} wrapped in the middleware, as the same kind. */
    <T> HandlerKind<T> around(SubscribeOptions options, HandlerKind<T> kind) {
        if (middleware.isEmpty()) {
            return kind;
        }
        if (kind instanceof HandlerKind.Batch<T> batch) {
            BatchHandler<T> h = batch.handler();
            return new HandlerKind.Batch<>(messages -> new Call(options, Collections.unmodifiableList(messages), true,
                    () -> h.handle(messages)).proceed());
        }
        if (kind instanceof HandlerKind.Manual<T> manual) {
            ManualAckHandler<T> h = manual.handler();
            return new HandlerKind.Manual<>(m -> new Call(options, List.of(m), false, () -> h.handle(m)).proceed());
        }
        if (kind instanceof HandlerKind.Reply<T> reply) {
            Responder<T, ?> h = reply.responder();
            return new HandlerKind.Reply<>(m -> {
                Object[] value = new Object[1];   // a middleware that skips proceed() leaves the reply null
                new Call(options, List.of(m), false, () -> value[0] = h.respond(m)).proceed();
                return value[0];
            });
        }
        Handler<T> h = ((HandlerKind.Single<T>) kind).handler();
        return new HandlerKind.Single<>(m -> new Call(options, List.of(m), false, () -> h.handle(m)).proceed());
    }

    @FunctionalInterface
    private interface Terminal {
        void run() throws Exception;
    }

    /** One call through the chain: each middleware's {@code proceed()} goes one step further in. */
    private final class Call implements Invocation {
        private final SubscribeOptions options;
        private final List<Message<?>> messages;
        private final boolean batch;
        private final Terminal terminal;
        private int index;

        @SuppressWarnings({"unchecked", "rawtypes"})
        Call(SubscribeOptions options, List<? extends Message<?>> messages, boolean batch, Terminal terminal) {
            this.options = options;
            this.messages = (List) messages;
            this.batch = batch;
            this.terminal = terminal;
        }

        @Override
        public String subscription() {
            return options.subscription();
        }

        @Override
        public SubscribeOptions options() {
            return options;
        }

        @Override
        public List<Message<?>> messages() {
            return messages;
        }

        @Override
        public boolean isBatch() {
            return batch;
        }

        @Override
        public void proceed() throws Exception {
            if (index < middleware.size()) {
                middleware.get(index++).handle(this);
            } else {
                terminal.run();
            }
        }
    }
}
