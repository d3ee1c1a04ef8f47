package io.courier.rabbitmq.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A parent JVM for {@link EmbeddedRabbitMqTest}: starts a node on the given data directory, prints its pid, waits. */
public final class EmbeddedRabbitMqParent {
    private EmbeddedRabbitMqParent() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.builder().dataDir(Path.of(args[0])).management(false).build().start();
        System.out.println("broker-pid=" + rabbit.pid());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
