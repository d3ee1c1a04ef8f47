package io.courier.testkit;

import java.time.Instant;

/** A plain record payload used by the conformance suite (encoded by the json codec). */
public record TestOrder(String id, String customer, int quantity, Instant placedAt) {
}
