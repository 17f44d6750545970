/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tideline} command. Each subcommand delegates to the entry point that does the work
 * (the local platform, {@code IngestJob}, {@code SqlRunner}, {@code SyncCli}, {@code
 * MaintenanceJob}, the configuration loader) and prints its progress, a summary, or with {@code
 * --json} the summary as one JSON document on stdout (progress then goes to stderr).
 */
@Command(
        name = "tideline",
        mixinStandardHelpOptions = true,
        versionProvider = Tideline.Version.class,
        description =
                "Tideline: Kafka, file drops and PostgreSQL into Iceberg, SQL marts, reverse ETL.",
        subcommands = {
            DemoCommand.class,
            LocalCommand.class,
            IngestCommand.class,
            SqlCommand.class,
            SyncCommand.class,
            MaintainCommand.class,
            ConfigCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes (every subcommand):%n",
        exitCodeList = {
            "0:done; every figure adds up",
            "1:the work ran and failed (a job failed, counts do not balance, a check or a sync"
                    + " failed)",
            "2:a sync succeeded but passed an alert threshold (sync run)",
            "3:a sync could not start: already running or disabled (sync run)",
            "64:bad usage (an unknown option, a missing argument)",
            "69:a part it needs is not there (no JDK, an unreachable Flink cluster, not built)",
            "70:an unexpected error (the stack trace is in .tideline/logs/tideline.log)",
            "78:invalid configuration (every problem is listed)"
        })
public final class Tideline implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int ALERT = 2;
    public static final int SKIPPED = 3;
    public static final int USAGE = 64;
    public static final int UNAVAILABLE = 69;
    public static final int SOFTWARE = 70;
    public static final int CONFIG = 78;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the command line and returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Tideline());
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setParameterExceptionHandler(
                (e, args1) -> {
                    CommandLine c = e.getCommandLine();
                    err.println("tideline: " + e.getMessage());
                    c.usage(err);
                    return USAGE;
                });
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    if (e instanceof CliException c) {
                        err.println("tideline: " + c.getMessage());
                        return c.exitCode();
                    }
                    // The stack trace goes to the log file only; the user gets the causes.
                    org.slf4j.LoggerFactory.getLogger("tideline.failure")
                            .error("Command failed", e);
                    err.println("tideline: failed: " + causes(e));
                    err.println("  (the stack trace is in .tideline/logs/tideline.log)");
                    return SOFTWARE;
                });
        return cli.execute(args);
    }

    /** An exception's chain of messages, outermost first, without repeats. */
    static String causes(Throwable e) {
        StringBuilder s = new StringBuilder();
        String last = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m =
                    t.getClass().getSimpleName()
                            + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (last == null || !last.contains(String.valueOf(t.getMessage()))) {
                s.append(s.length() == 0 ? "" : "\n  caused by ").append(m);
            }
            last = m;
        }
        return s.toString();
    }

    /**
     * The repository the launcher runs from (its {@code -Dtideline.home}), or the current folder.
     */
    static Path home() {
        String home = System.getProperty("tideline.home");
        return Path.of(home == null ? "." : home).toAbsolutePath().normalize();
    }

    /** The demo's configuration, the documented example. */
    static Path exampleConfig() {
        return home().resolve("deploy/local/tideline.yaml");
    }

    /**
     * The configuration {@code tideline local up} (and {@code demo}) writes for the running parts.
     */
    static Path localUpConfig() {
        return home().resolve("deploy/local/target/tideline/tideline-local.yaml");
    }

    /**
     * The configuration a command uses without {@code --config}: {@code $TIDELINE_CONFIG}, else the
     * one {@code tideline local up} wrote, when it is there.
     */
    static Path defaultConfig(Path given) {
        if (given != null) {
            return given;
        }
        String env = System.getenv("TIDELINE_CONFIG");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        if (Files.isRegularFile(localUpConfig())) {
            return localUpConfig();
        }
        throw new CliException(
                USAGE,
                "no configuration: give --config FILE, set TIDELINE_CONFIG, or start `tideline"
                        + " local up`, which writes "
                        + home().relativize(localUpConfig()));
    }

    /** The project version, from the jar's manifest when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Tideline.class.getPackage().getImplementationVersion();
            return new String[] {"tideline " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
