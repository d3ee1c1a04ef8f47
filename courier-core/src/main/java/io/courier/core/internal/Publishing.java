package io.courier.core.internal;

import io.courier.CourierException;
import io.courier.MessageId;
import io.courier.PublishException;
import io.courier.PublishTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sync-over-async publishing with one meaning everywhere: wait up to the timeout, rethrow Courier's own errors. */
public final class Publishing {
    private Publishing() {
    }

    public static MessageId await(CompletableFuture<MessageId> future, Duration timeout, String topic, String url) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new PublishTimeoutException("publish to '" + topic + "' on " + url + " was not confirmed within "
                    + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to '" + topic + "' on " + url, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof CourierException c) {
                throw c;
            }
            throw new PublishException("publish to '" + topic + "' on " + url + " failed: " + cause, cause);
        }
    }
}
