package io.courier.rabbitmq.embedded;

import io.courier.embedded.EmbeddedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A RabbitMQ cluster of several private nodes on this machine ({@code rabbitmqctl join_cluster}), sharing one Erlang
 * cookie: quorum queues declared on it get a replica on every node, so one node may be killed while publishers with
 * confirms carry on. The scale-out path from the single {@link EmbeddedRabbitMq}, for tests of node failure. A node
 * restarted on its data rejoins the cluster by itself. Every node ends with the JVM that started it, or at
 * {@link #close()}. Not thread-safe.
 */
public final class EmbeddedRabbitMqCluster extends EmbeddedCluster<EmbeddedRabbitMq> {

    private EmbeddedRabbitMqCluster(List<EmbeddedRabbitMq> nodes) {
        super(nodes);
    }

    /** A cluster of {@code size} nodes (at least 3, so that a quorum survives one failure), not started. */
    public static EmbeddedRabbitMqCluster of(int size) {
        String cookie = UUID.randomUUID().toString().replace("-", "");
        List<EmbeddedRabbitMq> nodes = new ArrayList<>();
        for (int i = 0; i < checkedSize(size); i++) {
            nodes.add(EmbeddedRabbitMq.builder().cookie(cookie).management(i == 0).build());
        }
        return new EmbeddedRabbitMqCluster(nodes);
    }

    /**
     * Starts every node at once, then joins the others to the first ({@code stop_app}, {@code join_cluster},
     * {@code start_app}); returns when the first lists them all as running.
     */
    public EmbeddedRabbitMqCluster start() {
        startAll();
        try {
            EmbeddedRabbitMq first = member(1);
            for (EmbeddedRabbitMq n : members().subList(1, size())) {
                n.rabbitmqctl("stop_app");
                n.rabbitmqctl("join_cluster", first.nodeName());
                n.rabbitmqctl("start_app");
            }
            String status = first.rabbitmqctl("cluster_status", "--formatter", "json");
            for (EmbeddedRabbitMq n : members()) {
                if (!status.contains(n.nodeName())) {
                    throw new IllegalStateException(n.nodeName() + " did not join the cluster: " + status);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** Every node's AMQP address, {@code amqp://127.0.0.1:p1,127.0.0.1:p2,...}, for Courier's {@code amqp://} URL. */
    public String url() {
        return "amqp://" + members().stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** Node {@code number}, 1 to size; node 1 runs the management plugin. */
    public EmbeddedRabbitMq node(int number) {
        return member(number);
    }
}
