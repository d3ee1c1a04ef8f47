package io.courier.examples.uba;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A mistyped option is one line on standard error and exit code 2, before anything starts: no stack trace. */
class UbaMainOptionsTest {

    private static Result main(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                UbaMain.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private record Result(int exit, String output) {
    }

    @Test
    void badOptionsAreOneLineAndExitCode2() throws Exception {
        for (String[] args : List.of(new String[] {"--reports", "lots"}, new String[] {"--broker", "rabbit"},
                new String[] {"--concurrency"}, new String[] {"--colour", "red"})) {
            Result r = main(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.output().strip().lines()).as(r.output()).hasSize(1).first().asString().startsWith("error: ");
            assertThat(r.output()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
