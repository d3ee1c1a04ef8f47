package io.courier.core.internal;

import io.courier.Codec;
import io.courier.CodecException;
import io.courier.Headers;
import io.courier.CourierException;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.RequestTimeoutException;
import io.courier.ResponderFailedException;
import io.courier.core.codec.Codecs;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.Timers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The reply: its form on the wire, the same on every backend (the encoded value with its {@code content-type}, or an
 * empty payload marked by {@value #EMPTY} when the responder returned null, or by {@value #ERROR} when it threw, the
 * value then {@code ExceptionClass: message}), and the requester's wait for it. Thread-safe (stateless).
 */
public final class Replies {
    static final String EMPTY = "courier-reply-empty";
    static final String ERROR = "courier-reply-error";
    private static final byte[] NOTHING = new byte[0];
    /** A responder's error message is cut here: a reply is no place for a whole stack of causes. */
    private static final int MAX_ERROR_CHARS = 1_000;

    private Replies() {
    }

    static RawReply of(Object value, Codec codec) {
        if (value == null) {
            return new RawReply(NOTHING, Headers.of(EMPTY, "true"));
        }
        byte[] bytes = codec.encode(value);
        return new RawReply(bytes, Headers.of(Headers.CONTENT_TYPE, codec.contentType()));
    }

    static RawReply failure(Throwable error) {
        String text = error.getClass().getName() + ": " + error.getMessage();
        return new RawReply(NOTHING, Headers.of(ERROR, text.length() > MAX_ERROR_CHARS
                ? text.substring(0, MAX_ERROR_CHARS) + "..." : text));
    }

    /**
     * The decoded reply to the request {@code exchange} sends, completing never later than {@code timeout}: with a
     * {@link RequestTimeoutException} then, or with the failure the backend reported (its own {@link CourierException},
     * or a {@link PublishException} for anything else).
     */
    public static <R> CompletableFuture<R> awaited(Supplier<CompletableFuture<RawReply>> exchange, Duration timeout,
                                                   Class<R> replyType, Codecs codecs, String defaultCodec,
                                                   String topic, String url) {
        CompletableFuture<R> result = new CompletableFuture<>();
        String late = "no reply to a request on '" + topic + "' on " + url + " within " + timeout.toMillis() + " ms";
        ScheduledFuture<?> timer = Timers.shared().schedule(() -> result.completeExceptionally(
                new RequestTimeoutException(late)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        CompletableFuture<RawReply> raw;
        try {
            raw = exchange.get();
        } catch (RuntimeException e) {
            raw = CompletableFuture.failedFuture(e);
        }
        raw.whenComplete((reply, failure) -> {
            timer.cancel(false);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                // a backend whose client gives up at the same timeout may be first: the same timeout either way
                result.completeExceptionally(cause instanceof CourierException ? cause
                        : cause instanceof TimeoutException ? new RequestTimeoutException(late)
                        : new PublishException("request on '" + topic + "' on " + url + " failed: " + cause, cause));
                return;
            }
            try {
                result.complete(decode(reply, replyType, codecs, defaultCodec, topic, url));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * The reply's value.
     *
     * @throws ResponderFailedException when the responder threw
     * @throws CodecException           when the reply is not an {@code R}
     */
    static <R> R decode(RawReply reply, Class<R> replyType, Codecs codecs, String defaultCodec, String topic,
                               String url) {
        String error = reply.headers().get(ERROR);
        if (error != null) {
            throw new ResponderFailedException("the responder to a request on '" + topic + "' on " + url + " failed: "
                    + error, error);
        }
        if (reply.headers().get(EMPTY) != null) {
            return null;
        }
        RawMessage raw = new RawMessage(topic, MessageId.of("reply"), null, reply.headers(), reply.payload(),
                Instant.EPOCH, null, 0, null);
        try {
            return new PayloadDecoder<>(replyType, codecs, null, defaultCodec).decode(raw);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("the reply to a request on '" + topic + "' is not a " + replyType.getName() + ": "
                    + e.getMessage(), e);
        }
    }
}
