package io.courier.cli;

import io.courier.ConfigurationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The question a destructive command asks on the terminal; without a terminal it refuses instead of guessing. */
final class Confirmation {
    private Confirmation() {
    }

    /**
     * True when the user typed yes to {@code question}.
     *
     * @param withoutTerminal why --yes is needed, the message of the error thrown when there is no terminal to ask on
     */
    static boolean ask(PrintWriter out, String question, String withoutTerminal) throws IOException {
        if (System.console() == null) {
            throw new ConfigurationException(withoutTerminal + ": confirm with --yes (no terminal to ask on)");
        }
        out.print(question + " Type yes to go on: ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return "yes".equalsIgnoreCase(answer == null ? "" : answer.trim());
    }
}
