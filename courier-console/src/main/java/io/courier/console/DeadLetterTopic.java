package io.courier.console;

import java.util.OptionalLong;

/**
 * A dead-letter topic as the console lists it. Public only because the compiled templates read it.
 *
 * @param name      the topic
 * @param pending   letters not yet replayed or discarded
 * @param published letters ever published to it (as the backend counts, see {@link io.courier.TopicInfo#published()})
 */
public record DeadLetterTopic(String name, OptionalLong pending, OptionalLong published) {
}
