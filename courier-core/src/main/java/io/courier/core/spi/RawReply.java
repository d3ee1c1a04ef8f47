package io.courier.core.spi;

import io.courier.Headers;

/**
 * A reply as a backend carries it: encoded bytes and headers (its {@code content-type}, and Courier's markers for an
 * empty reply or a responder's failure, which the backend passes on unchanged).
 *
 * @param payload encoded bytes; never null, empty for an empty or failed reply
 * @param headers headers; never null
 */
public record RawReply(byte[] payload, Headers headers) {
}
