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
        return main(java.util.Map.of(), args);
    }

    private static Result main(java.util.Map<String, String> env, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                UbaMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private record Result(int exit, String output) {
    }

    @Test
    void badOptionsAreOneLineAndExitCode2() throws Exception {
        for (String[] args : List.of(new String[] {"--reports", "lots"}, new String[] {"--broker", "rabbit"},
                new String[] {"--concurrency"}, new String[] {"--colour", "red"}, new String[] {"--batch", "0"},
                new String[] {"--batch", "5000"}, new String[] {"--savers", "0"})) {
            Result r = main(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.output().strip().lines()).as(r.output()).hasSize(1).first().asString().startsWith("error: ");
            assertThat(r.output()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void aDatabaseThatRefusesIsOneLineAndExitCode1() throws Exception {
        Result r = main(java.util.Map.of("UBA_DATA_DATABASE_USER", "no_such_role_here"), "--broker", "memory",
                "--database-url", "jdbc:postgresql://127.0.0.1:5432/test");
        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output().strip().lines().reduce((a, b) -> b).orElse("")).as(r.output())
                .startsWith("error: cannot connect to the database jdbc:postgresql://127.0.0.1:5432/test")
                .contains("no_such_role_here");
        assertThat(r.output()).doesNotContain("\tat ");
    }
}
