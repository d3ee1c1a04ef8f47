package io.courier.kafka.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A parent JVM for {@link EmbeddedKafkaTest}: starts a broker on the given data directory, prints its pid, waits. */
public final class EmbeddedKafkaParent {
    private EmbeddedKafkaParent() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(Path.of(args[0])).build().start();
        System.out.println("broker-pid=" + kafka.pid());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
