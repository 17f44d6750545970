/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * What a subcommand tells its user: progress lines while it works, a summary at the end. With
 * {@code --json} the progress goes to stderr and the summary is one JSON document on stdout.
 */
final class Report {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final boolean json;
    private final PrintStream stdout;
    private final ObjectNode root = JSON.createObjectNode();
    private final Instant start = Instant.now();

    Report(String command, boolean json) {
        this(command, json, System.out);
    }

    Report(String command, boolean json, PrintStream stdout) {
        this.json = json;
        this.stdout = stdout;
        root.put("command", command);
    }

    boolean json() {
        return json;
    }

    /** Where human-readable output goes: stdout, or stderr when stdout carries the JSON. */
    PrintStream human() {
        return json ? System.err : stdout;
    }

    /** A progress line, with the time of day. */
    void progress(String line) {
        human().println(
                        LocalTime.now().truncatedTo(ChronoUnit.SECONDS).format(CLOCK)
                                + "  "
                                + line);
        human().flush();
    }

    /** The summary's JSON fields. */
    ObjectNode root() {
        return root;
    }

    /** Prints the summary (its JSON with {@code --json}) and returns {@code exitCode}. */
    int finish(int exitCode, String summaryLine) {
        root.put("exit_code", exitCode);
        root.put("ok", exitCode == Tideline.OK);
        root.put("duration_ms", Duration.between(start, Instant.now()).toMillis());
        if (json) {
            try {
                stdout.println(JSON.writeValueAsString(root));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        human().println(summaryLine);
        human().flush();
        stdout.flush();
        return exitCode;
    }
}
