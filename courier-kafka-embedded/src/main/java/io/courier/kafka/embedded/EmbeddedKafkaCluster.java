package io.courier.kafka.embedded;

import io.courier.embedded.ChildJvm;
import io.courier.embedded.EmbeddedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Kafka cluster of several KRaft nodes on this machine, each a child JVM that is both broker and controller: topics
 * replicated to every node by default ({@code default.replication.factor} = nodes, {@code min.insync.replicas} =
 * nodes − 1), so one node may be killed while publishers with {@code acks=all} carry on. The scale-out path from the
 * single {@link EmbeddedKafka}, for tests of leader failover. Nodes start together (a controller quorum needs a
 * majority before any node answers). Every node ends with the JVM that started it, or at {@link #close()}.
 * Not thread-safe.
 */
public final class EmbeddedKafkaCluster extends EmbeddedCluster<EmbeddedKafka> {

    private EmbeddedKafkaCluster(List<EmbeddedKafka> nodes) {
        super(nodes);
    }

    private static List<EmbeddedKafka> nodes(int size) {
        List<EmbeddedKafka> nodes = new ArrayList<>();
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
        return nodes;
    }

    /** A cluster of {@code size} nodes (at least 3, so that one can fail with replicas to spare), not started. */
    public static EmbeddedKafkaCluster of(int size) {
        return new EmbeddedKafkaCluster(nodes(checkedSize(size)));
    }

    /** Starts every node at once and returns when each answers. */
    public EmbeddedKafkaCluster start() {
        startAll();
        return this;
    }

    /** Every node's {@code 127.0.0.1:port}, comma-separated, for {@code bootstrap.servers} and {@code kafka://}. */
    public String bootstrapServers() {
        return members().stream().map(EmbeddedKafka::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The node with Kafka node id {@code nodeId} (1 to size). */
    public EmbeddedKafka node(int nodeId) {
        return member(nodeId);
    }
}
