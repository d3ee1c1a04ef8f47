package io.courier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.testkit.AdminScenarios;
import io.courier.testkit.DeliveryScenarios;
import io.courier.testkit.FailurePolicyScenarios;
import io.courier.testkit.FailureScenarios;
import io.courier.testkit.FlowControlScenarios;
import io.courier.testkit.LifecycleScenarios;
import io.courier.testkit.OrderingScenarios;
import io.courier.testkit.RequestReplyScenarios;
import io.courier.testkit.SubscriptionScenarios;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** docs/CONFORMANCE.md lists every scenario of the suite, by id and method, and no scenario that does not exist. */
class ConformanceDocTest {

    @Test
    void theSuiteDescriptionListsEveryScenario() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "CONFORMANCE.md"));
        List<String> ids = new ArrayList<>();
        for (Class<?> group : List.of(DeliveryScenarios.class, SubscriptionScenarios.class, FailureScenarios.class,
                FailurePolicyScenarios.class,
                OrderingScenarios.class, LifecycleScenarios.class, FlowControlScenarios.class, RequestReplyScenarios.class,
                AdminScenarios.class)) {
            for (Method m : group.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    String id = m.getAnnotation(DisplayName.class).value().split(" ", 2)[0];
                    ids.add(id);
                    assertThat(doc).as("scenario " + id).contains("| **" + id + "** ").contains("`" + m.getName() + "`");
                }
            }
        }
        assertThat(ids).doesNotHaveDuplicates();
        long listed = doc.lines().filter(l -> l.startsWith("| **")).count();
        assertThat(listed).as("scenarios listed in the document").isEqualTo(ids.size());
        System.out.println("[conformance] scenarios in the suite and in docs/CONFORMANCE.md: " + ids.size());
    }
}
