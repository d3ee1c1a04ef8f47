package io.courier.pulsar.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A parent JVM for {@link EmbeddedPulsarTest}: starts a broker on the given data directory, prints its pid, waits. */
public final class EmbeddedPulsarParent {
    private EmbeddedPulsarParent() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(Path.of(args[0])).build().start();
        System.out.println("broker-pid=" + pulsar.pid());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
