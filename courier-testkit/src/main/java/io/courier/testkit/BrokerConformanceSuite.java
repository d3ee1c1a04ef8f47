package io.courier.testkit;

import io.courier.Broker;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The broker conformance suite: every scenario of {@code docs/CONFORMANCE.md}, grouped by concern (A delivery,
 * B subscriptions, C acknowledgement and failure, D ordering and flow, E lifecycle, F delay and backlog, R request/reply, T tools). A backend
 * subclasses it once and says how to open a broker; what it can do comes from {@link Broker#capabilities()}, and a
 * scenario that needs a missing capability is skipped with the reason printed. Every scenario uses fresh topics and
 * subscriptions, asserts exact sets of message ids (duplicates tolerated and reported, losses never), waits by
 * polling with a deadline and closes what it opened. Each group carries a tag (delivery, subscriptions, failure,
 * ordering, lifecycle, flow): {@code mvn test -Dtest=PulsarConformanceTest -Dgroups=failure} runs one group.
 */
public abstract class BrokerConformanceSuite {

    /** Opens a new broker client; called before each scenario (and again where a scenario needs a second client). */
    protected abstract Broker openBroker();

    /**
     * What the backend must declare in {@link Broker#capabilities()}, written out by the backend's test: the suite
     * skips by the declaration, so the declaration itself is pinned here.
     */
    protected abstract ExpectedCapabilities expectedCapabilities();

    @Test
    @DisplayName("0 the broker declares exactly the capabilities its test pins (no scenario skips its way to green)")
    void declaredCapabilitiesArePinned() {
        ExpectedCapabilities expected = expectedCapabilities();
        try (Broker broker = openBroker()) {
            expected.assertDeclaredBy(broker.capabilities());
        }
        System.out.println("[conformance] declared capabilities as pinned: " + expected);
    }

    @Nested
    @DisplayName("A. Delivery")
    @Tag("delivery")
    class Delivery extends DeliveryScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("B. Subscriptions")
    @Tag("subscriptions")
    class Subscription extends SubscriptionScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("C. Acknowledgement and failure")
    @Tag("failure")
    class Failure extends FailureScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("C. Failure policy: backoff per key, last-attempt actions, manual acknowledgement, retry topic")
    @Tag("failure")
    class FailurePolicy extends FailurePolicyScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("D. Ordering and flow")
    @Tag("ordering")
    class Ordering extends OrderingScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("E. Lifecycle")
    @Tag("lifecycle")
    class Lifecycle extends LifecycleScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("F. Delay and backlog")
    @Tag("flow")
    class FlowControl extends FlowControlScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("R. Request/reply")
    @Tag("request")
    class RequestReply extends RequestReplyScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }

    @Nested
    @DisplayName("T. Tools: admin listings and dead letters")
    @Tag("tools")
    class Tools extends AdminScenarios {
        @Override
        protected Broker openBroker() {
            return BrokerConformanceSuite.this.openBroker();
        }
    }
}
