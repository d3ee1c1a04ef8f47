package io.courier.nats.embedded;

import io.courier.embedded.EmbeddedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A NATS cluster of several private servers on this machine, each routed to the others, with JetStream clustered
 * over them: a stream made with three replicas has one on each server and a leader elected among them, so one server
 * may be killed while publishers carry on. The scale-out path from the single {@link EmbeddedNats}, for tests of
 * server failure. A server restarted on its data rejoins the cluster by itself. Every server ends with the JVM that
 * started it, or at {@link #close()}. Not thread-safe.
 */
public final class EmbeddedNatsCluster extends EmbeddedCluster<EmbeddedNats> {

    private EmbeddedNatsCluster(List<EmbeddedNats> servers) {
        super(servers);
        for (EmbeddedNats s : servers) {
            s.peers(servers.stream().filter(o -> o != s).map(EmbeddedNats::routePort).toList());
        }
    }

    /** A cluster of {@code size} servers (at least 3, so that a JetStream quorum survives one failure), not started. */
    public static EmbeddedNatsCluster of(int size) {
        String name = "courier-" + UUID.randomUUID().toString().substring(0, 8);
        List<EmbeddedNats> servers = new ArrayList<>();
        for (int i = 0; i < checkedSize(size); i++) {
            servers.add(EmbeddedNats.builder().cluster(name).build());
        }
        return new EmbeddedNatsCluster(servers);
    }

    /**
     * Starts every server at once; returns when each answers with JetStream on. The cluster's JetStream elects its
     * meta leader a moment later: a client's first JetStream call may have to wait for it.
     */
    public EmbeddedNatsCluster start() {
        startAll();
        return this;
    }

    /** Every server's address, {@code nats://127.0.0.1:p1,127.0.0.1:p2,...}, for Courier's {@code nats://} URL. */
    public String url() {
        return "nats://" + members().stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
    }

    /** Server {@code number}, 1 to size. */
    public EmbeddedNats server(int number) {
        return member(number);
    }

    /** The server named {@code name} (as JetStream names a stream's leader). */
    public Optional<EmbeddedNats> serverNamed(String name) {
        return members().stream().filter(s -> s.serverName().equals(name)).findFirst();
    }
}
