package io.courier.rabbitmq.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * A RabbitMQ cluster of several private nodes on this machine ({@code rabbitmqctl join_cluster}), sharing one Erlang
 * cookie: quorum queues declared on it get a replica on every node, so one node may be killed while publishers with
 * confirms carry on. The scale-out path from the single {@link EmbeddedRabbitMq}, for tests of node failure. A node
 * restarted on its data rejoins the cluster by itself. Every node ends with the JVM that started it, or at
 * {@link #close()}. Not thread-safe.
 */
public final class EmbeddedRabbitMqCluster implements AutoCloseable {
    private final List<EmbeddedRabbitMq> nodes = new ArrayList<>();

    private EmbeddedRabbitMqCluster(int size) {
        String cookie = UUID.randomUUID().toString().replace("-", "");
        for (int i = 0; i < size; i++) {
            nodes.add(EmbeddedRabbitMq.builder().cookie(cookie).management(i == 0).build());
        }
    }

    /** A cluster of {@code size} nodes (at least 3, so that a quorum survives one failure), not started. */
    public static EmbeddedRabbitMqCluster of(int size) {
        if (size < 3) {
            throw new IllegalArgumentException("a cluster here has at least 3 nodes, got " + size);
        }
        return new EmbeddedRabbitMqCluster(size);
    }

    /**
     * Starts every node at once, then joins the others to the first ({@code stop_app}, {@code join_cluster},
     * {@code start_app}); returns when the first lists them all as running.
     */
    public EmbeddedRabbitMqCluster start() {
        List<CompletableFuture<EmbeddedRabbitMq>> started = nodes.stream()
                .map(n -> CompletableFuture.supplyAsync(n::start)).toList();
        try {
            started.forEach(CompletableFuture::join);
            EmbeddedRabbitMq first = nodes.get(0);
            for (EmbeddedRabbitMq n : nodes.subList(1, nodes.size())) {
                n.rabbitmqctl("stop_app");
                n.rabbitmqctl("join_cluster", first.nodeName());
                n.rabbitmqctl("start_app");
            }
            String status = first.rabbitmqctl("cluster_status", "--formatter", "json");
            for (EmbeddedRabbitMq n : nodes) {
                if (!status.contains(n.nodeName())) {
                    throw new IllegalStateException(n.nodeName() + " did not join the cluster: " + status);
                }
            }
        } catch (CompletionException e) {
            close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** Every node's AMQP address, {@code amqp://127.0.0.1:p1,127.0.0.1:p2,...}, for Courier's {@code amqp://} URL. */
    public String url() {
        return "amqp://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** Node {@code number}, 1 to size; node 1 runs the management plugin. */
    public EmbeddedRabbitMq node(int number) {
        return nodes.get(number - 1);
    }

    public int size() {
        return nodes.size();
    }

    /** The longest start of one node in the last start. */
    public Duration lastStartupTime() {
        return nodes.stream().map(EmbeddedRabbitMq::lastStartupTime).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** Ends every node at once (SIGKILL) and deletes their data. */
    @Override
    public void close() {
        nodes.forEach(EmbeddedRabbitMq::kill);
        nodes.forEach(EmbeddedRabbitMq::close);
    }
}
