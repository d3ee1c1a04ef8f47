package io.courier.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Capabilities;
import io.courier.Capability;
import io.courier.SubscriptionType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a backend's conformance test says its broker must declare, written out by hand: the suite skips a scenario
 * when {@link io.courier.Broker#capabilities()} lacks what it needs, so without this pin a backend that wrongly
 * dropped a capability would skip its way to green. Compared field by field with what the broker declares; the
 * "use instead" texts are the backend's own and not compared. Starts with everything present and exact, as
 * {@link Capabilities.Builder} does. Not thread-safe.
 */
public final class ExpectedCapabilities {
    private final String backend;
    private final Set<SubscriptionType> types = EnumSet.allOf(SubscriptionType.class);
    private final Set<Capability> missing = EnumSet.noneOf(Capability.class);
    private final Set<SubscriptionType> delayedOn = EnumSet.allOf(SubscriptionType.class);
    private long maxPayloadBytes = 5L * 1024 * 1024;
    private boolean exactBacklogQuota = true;
    private boolean lazyAcks;

    private ExpectedCapabilities(String backend) {
        this.backend = backend;
    }

    /** The expected declaration of the backend named {@code backend} (its URL scheme). */
    public static ExpectedCapabilities of(String backend) {
        return new ExpectedCapabilities(backend);
    }

    /** The subscription types the backend maps (default all). */
    public ExpectedCapabilities types(SubscriptionType... expected) {
        types.clear();
        types.addAll(List.of(expected));
        return this;
    }

    /** The capabilities the backend declares missing (default none). */
    public ExpectedCapabilities missing(Capability... expected) {
        missing.clear();
        missing.addAll(List.of(expected));
        return this;
    }

    /** The types on which delayed delivery is honoured (default all; none when delayed delivery is missing). */
    public ExpectedCapabilities delayedDeliveryOn(SubscriptionType... expected) {
        delayedOn.clear();
        delayedOn.addAll(List.of(expected));
        return this;
    }

    /** Default 5 MiB; 0 for no limit. */
    public ExpectedCapabilities maxPayloadBytes(long bytes) {
        this.maxPayloadBytes = bytes;
        return this;
    }

    /** Default true. */
    public ExpectedCapabilities exactBacklogQuota(boolean exact) {
        this.exactBacklogQuota = exact;
        return this;
    }

    /** Default false. */
    public ExpectedCapabilities lazyAcks(boolean lazy) {
        this.lazyAcks = lazy;
        return this;
    }

    /** Fails, naming each difference, unless {@code actual} declares exactly what is expected. */
    public void assertDeclaredBy(Capabilities actual) {
        String what = "capabilities declared by backend '" + actual.backend() + "'";
        assertThat(actual.backend()).as(what + ": backend name").isEqualTo(backend);
        assertThat(actual.subscriptionTypes()).as(what + ": subscription types").containsExactlyInAnyOrderElementsOf(types);
        assertThat(actual.missing().keySet()).as(what + ": missing capabilities").containsExactlyInAnyOrderElementsOf(missing);
        assertThat(actual.delayedDeliveryTypes()).as(what + ": types honouring delayed delivery")
                .containsExactlyInAnyOrderElementsOf(delayedOn);
        assertThat(actual.maxPayloadBytes()).as(what + ": largest payload").isEqualTo(maxPayloadBytes);
        assertThat(actual.exactBacklogQuota()).as(what + ": exact backlog quota").isEqualTo(exactBacklogQuota);
        assertThat(actual.lazyAcks()).as(what + ": lazy acknowledgements").isEqualTo(lazyAcks);
    }

    @Override
    public String toString() {
        return backend + ": types " + types + ", missing " + missing + ", delayed on " + delayedOn + ", max payload "
                + maxPayloadBytes + ", exact quota " + exactBacklogQuota + ", lazy acks " + lazyAcks;
    }
}
