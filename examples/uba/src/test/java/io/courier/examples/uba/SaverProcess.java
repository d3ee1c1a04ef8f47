package io.courier.examples.uba;

import io.courier.testkit.TestPostgres;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The example's saver as a process of its own, for the crash tests: {@code SaverProcess <broker URL> <admin URL or
 * -> <JDBC URL>} (database user {@code postgres}). Prints {@code READY} once its subscriptions are open; on SIGTERM it
 * drains and prints {@code STOPPED stored=<rows it inserted> duplicates=<deliveries it found already stored>}.
 */
public final class SaverProcess {
    private SaverProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        String brokerUrl = args[0];
        String adminUrl = args[1].equals("-") ? null : args[1];
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", TestPostgres.USER))
                .with(brokerUrl, args[2], "127.0.0.1:0");
        UbaServices services = UbaServices.on(config, brokerUrl, adminUrl, Database.open(config.data().database()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            services.stopSaver(Duration.ofSeconds(10));
            System.out.println("STOPPED stored=" + services.saver().stored() + " duplicates="
                    + services.saver().duplicatesSuppressed());
            services.close();
            stopped.countDown();
        }, "saver-stop"));
        services.startSaver();
        System.out.println("READY");
        stopped.await();
    }
}
