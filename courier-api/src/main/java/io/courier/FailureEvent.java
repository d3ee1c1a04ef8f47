package io.courier;

import java.time.Duration;
import java.util.Optional;

/**
 * One decision of a subscription's failure policy, as {@link FailureListener}s see it.
 *
 * @param topic           the topic the message came from
 * @param subscription    the subscription
 * @param messageId       the message
 * @param key             the message key, or null
 * @param attempt         the attempt that failed (0 when the payload could not be decoded)
 * @param failure         what the handler (or the codec, or the dead-letter publish) threw
 * @param backoff         the wait before the next attempt ({@link FailureListener#onRetry}), else zero
 * @param reason          one of the {@code DeadLetter.REASON_*} values when the policy gave up, else null
 * @param deadLetterTopic the dead-letter topic for {@code onDeadLettered} and {@code onDeadLetterPublishFailed},
 *                        else null
 */
public record FailureEvent(String topic, String subscription, MessageId messageId, String key, int attempt,
                           Throwable failure, Duration backoff, String reason, String deadLetterTopic) {

    public Optional<String> messageKey() {
        return Optional.ofNullable(key);
    }
}
