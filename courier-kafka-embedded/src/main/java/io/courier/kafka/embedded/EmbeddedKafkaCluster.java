package io.courier.kafka.embedded;

import io.courier.embedded.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * A Kafka cluster of several KRaft nodes on this machine, each a child JVM that is both broker and controller: topics
 * replicated to every node by default ({@code default.replication.factor} = nodes, {@code min.insync.replicas} =
 * nodes − 1), so one node may be killed while publishers with {@code acks=all} carry on. The scale-out path from the
 * single {@link EmbeddedKafka}, for tests of leader failover. Nodes start together (a controller quorum needs a
 * majority before any node answers). Every node ends with the JVM that started it, or at {@link #close()}.
 * Not thread-safe.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private final List<EmbeddedKafka> nodes = new ArrayList<>();

    private EmbeddedKafkaCluster(int size) {
        String clusterId = EmbeddedKafka.clusterId();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            controllerPorts.add(ChildJvm.freePort());
        }
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < size; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts.get(i));
        }
        for (int i = 0; i < size; i++) {
            nodes.add(EmbeddedKafka.builder().heap("384m").member(new EmbeddedKafka.ClusterMembership(i + 1, clusterId,
                    controllerPorts.get(i), voters.toString(), size)).build());
        }
    }

    /** A cluster of {@code size} nodes (at least 3, so that one can fail with replicas to spare), not started. */
    public static EmbeddedKafkaCluster of(int size) {
        if (size < 3) {
            throw new IllegalArgumentException("a cluster here has at least 3 nodes, got " + size);
        }
        return new EmbeddedKafkaCluster(size);
    }

    /** Starts every node at once and returns when each answers. */
    public EmbeddedKafkaCluster start() {
        List<CompletableFuture<EmbeddedKafka>> started = nodes.stream()
                .map(n -> CompletableFuture.supplyAsync(n::start)).toList();
        try {
            started.forEach(CompletableFuture::join);
        } catch (CompletionException e) {
            close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return this;
    }

    /** Every node's {@code 127.0.0.1:port}, comma-separated, for {@code bootstrap.servers} and {@code kafka://}. */
    public String bootstrapServers() {
        return nodes.stream().map(EmbeddedKafka::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The node with Kafka node id {@code nodeId} (1 to size). */
    public EmbeddedKafka node(int nodeId) {
        return nodes.get(nodeId - 1);
    }

    public int size() {
        return nodes.size();
    }

    /** The longest start of one node in the last start. */
    public Duration lastStartupTime() {
        return nodes.stream().map(EmbeddedKafka::lastStartupTime).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /**
     * Ends every node at once (SIGKILL) and deletes their data: stopping the nodes of a test cluster one by one makes
     * each controlled shutdown wait for controllers that are already gone.
     */
    @Override
    public void close() {
        nodes.forEach(EmbeddedKafka::kill);
        nodes.forEach(EmbeddedKafka::close);
    }
}
