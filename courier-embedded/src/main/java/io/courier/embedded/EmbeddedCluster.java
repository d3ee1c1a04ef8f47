package io.courier.embedded;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Several private brokers of one kind on this machine, made into one cluster by the subclass's configuration: started
 * together (a quorum needs a majority before any member answers), ended together. The scale-out path from a single
 * embedded broker, for tests of a member's failure. Every member ends with the JVM that started it, or at
 * {@link #close()}. Not thread-safe.
 *
 * @param <B> the kind of broker
 */
public abstract class EmbeddedCluster<B extends EmbeddedBroker> implements AutoCloseable {
    private final List<B> members;

    /** @param members the members, configured to find each other, not started */
    protected EmbeddedCluster(List<B> members) {
        this.members = List.copyOf(members);
    }

    /** @throws IllegalArgumentException below 3 members, too few for a quorum to survive one failure */
    protected static int checkedSize(int size) {
        if (size < 3) {
            throw new IllegalArgumentException("a cluster here has at least 3 members, got " + size);
        }
        return size;
    }

    /** Starts every member at once; returns when each answers, or ends them all and rethrows the first failure. */
    protected final void startAll() {
        try {
            members.stream().map(m -> CompletableFuture.runAsync(m::start)).toList()
                    .forEach(CompletableFuture::join);
        } catch (CompletionException e) {
            close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Member {@code number}, 1 to {@link #size()}. */
    protected final B member(int number) {
        return members.get(number - 1);
    }

    protected final List<B> members() {
        return members;
    }

    public int size() {
        return members.size();
    }

    /** The longest start of one member in the last start. */
    public Duration lastStartupTime() {
        return members.stream().map(EmbeddedBroker::lastStartupTime).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /**
     * Ends every member at once (SIGKILL) and deletes their data: stopping the members of a test cluster one by one
     * makes each orderly shutdown wait for peers that are already gone.
     */
    @Override
    public void close() {
        members.forEach(EmbeddedBroker::kill);
        members.forEach(EmbeddedBroker::close);
    }
}
