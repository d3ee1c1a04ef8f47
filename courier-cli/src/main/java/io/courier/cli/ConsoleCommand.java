package io.courier.cli;

import io.courier.Broker;
import io.courier.console.Console;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier console URL}: the web console for a broker, until Ctrl-C. The token for an address other than
 * loopback comes from the environment, never from the command line (where {@code ps} would show it).
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Serve the web console for a broker (topics, subscriptions, dead letters) until Ctrl-C.",
                "Listens on 127.0.0.1 unless --bind says otherwise; any other address needs a token in "
                        + "COURIER_CONSOLE_TOKEN (16 characters or more), asked once per browser."})
final class ConsoleCommand implements Callable<Integer> {
    static final String TOKEN_VARIABLE = "COURIER_CONSOLE_TOKEN";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "URL", defaultValue = "pulsar://127.0.0.1:6650",
            description = "The broker (default ${DEFAULT-VALUE}, what `courier standalone pulsar` serves).")
    String url;

    @Option(names = {"-o", "--option"}, paramLabel = "NAME=VALUE",
            description = "A backend option, repeatable: -o adminUrl=http://127.0.0.1:8080 (Pulsar), -o saslMechanism=PLAIN (Kafka).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for the broker to confirm a publish from the console (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address to listen on (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "" + Console.DEFAULT_PORT,
            description = "The port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Broker b = BrokerConnection.open(url, options, timeoutSeconds);
        Console console;
        try {
            console = Console.builder(b).bind(bind, port).token(System.getenv(TOKEN_VARIABLE)).build();
            console.start();
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.stop(Duration.ofSeconds(2));
            b.close();
        }, "courier-console-stop"));
        out.println("console at " + console.endpoint().orElseThrow() + " for " + b.url());
        out.println("Ctrl-C stops it");
        out.flush();
        new CountDownLatch(1).await();   // until a signal ends the JVM; the hook stops the console
        return 0;
    }
}
