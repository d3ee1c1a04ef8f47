package io.courier.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one workload of a Spring contender module ({@code courier-bench-spring} for Pulsar,
 * {@code courier-bench-spring-kafka} for Kafka) in its own JVM and reads back its {@code RESULT} line.
 */
final class SpringContender {
    private final String classpath;
    private final String mainClass;

    private SpringContender(String classpath, String mainClass) {
        this.classpath = classpath;
        this.mainClass = mainClass;
    }

    /** Spring for Apache Pulsar. */
    static SpringContender locate() throws IOException {
        return locate("courier-bench-spring", "io.courier.bench.spring.SpringPulsarBench");
    }

    /** Spring for Apache Kafka. */
    static SpringContender locateKafka() throws IOException {
        return locate("courier-bench-spring-kafka", "io.courier.bench.springkafka.SpringKafkaBench");
    }

    static SpringContender locateRabbit() throws IOException {
        return locate("courier-bench-spring-rabbit", "io.courier.bench.springrabbit.SpringRabbitBench");
    }

    /** Finds the built {@code module} next to this one (run from the repository or the module). */
    private static SpringContender locate(String module, String mainClass) throws IOException {
        for (Path dir : List.of(Path.of(module), Path.of("..", module))) {
            Path cp = dir.resolve("target").resolve("runtime.classpath");
            Path classes = dir.resolve("target").resolve("classes");
            if (Files.exists(cp) && Files.isDirectory(classes)) {
                return new SpringContender(classes.toAbsolutePath() + java.io.File.pathSeparator
                        + Files.readString(cp, StandardCharsets.UTF_8).trim(), mainClass);
            }
        }
        throw new IllegalStateException(module + " is not built: run 'mvn -q -B -DskipTests install' first");
    }

    /**
     * Runs one workload in a new JVM and returns its rate in messages per second.
     *
     * @param warmUp  messages of the same workload run first, unmeasured, in that JVM
     * @param matched false: Spring Boot's defaults in a 1 GiB heap (what a Boot user gets); true: the settings the
     *                Courier run uses (producer batching and commit interval, the client protocol) in the heap the
     *                Courier run has (4 GiB, pre-touched)
     */
    double run(String mode, String serviceUrl, String topic, int n, int warmUp, boolean matched)
            throws IOException, InterruptedException {
        return Double.parseDouble(result(mode, serviceUrl, topic, n, warmUp, matched).split(" ")[0]);
    }

    /** p50, p99 and p99.9 in ms of a fixed-rate run ({@code rate} msg/s for {@code seconds}, after 10 s unrecorded). */
    double[] latency(String serviceUrl, String topic, int rate, int seconds) throws IOException, InterruptedException {
        String[] p = result("latency", serviceUrl, topic, rate, seconds, false).split(" ");
        return new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2])};
    }

    private String result(String mode, String serviceUrl, String topic, int n, int warmUp, boolean matched)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(matched ? List.of("-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch") : List.of("-Xmx1g"));
        cmd.addAll(List.of("-cp", classpath, mainClass, mode, serviceUrl, topic, Integer.toString(n),
                Integer.toString(warmUp), matched ? "matched" : "defaults"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("Spring contender (" + mode + ") failed:\n" + out);
        }
        return out.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no RESULT from the Spring contender:\n" + out));
    }
}
