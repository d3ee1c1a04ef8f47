package io.courier.examples.scenarios;

/** An order, as the asynchronous-processing and decoupling scenarios publish it. */
public record Order(String orderId, String customerId, long amountCents) {
}
