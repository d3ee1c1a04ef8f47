package io.courier.cli;

import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code courier} command. Exit codes: 0 done, 1 the command failed (one line on standard error, the stack trace
 * too with {@code --verbose}), 2 the command line is wrong (one line too;
 * {@code --help} shows the usage).
 */
@Command(name = "courier", mixinStandardHelpOptions = true, version = "courier 0.1.0",
        description = "Courier's command line: a real broker on this machine, and tools to look inside it.",
        subcommands = {StandaloneCommand.class, PublishCommand.class, RequestCommand.class, ConsumeCommand.class, TopicsCommand.class,
                SubscriptionsCommand.class, BacklogCommand.class, PeekCommand.class, CursorCommand.class, DlqCommand.class, ConsoleCommand.class,
                AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class CourierCli {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of a failure, not only its one-line message.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line; returns the exit code. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CourierCli root = new CourierCli();
        CommandLine cli = new CommandLine(root).setCaseInsensitiveEnumValuesAllowed(true).setOut(out).setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            // a wrong command line is one line too; the usage is one --help away
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println("courier: " + oneLine(e) + " (" + command + " --help shows the usage)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("courier: " + oneLine(e));
            if (root.verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            return e instanceof io.courier.ConfigurationException ? 2 : 1;
        });
        return cli.execute(args);
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline) + " (more with --verbose)";
    }
}
