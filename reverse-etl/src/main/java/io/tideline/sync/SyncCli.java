/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.Durations;
import io.tideline.config.TidelineConfig;
import io.tideline.schedule.SyncScheduler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The reverse-ETL command line.
 *
 * <pre>
 * SyncCli --config tideline.yaml run NAME [--dry-run] [--allow-mass-delete] [--report FILE]
 * SyncCli --config tideline.yaml requeue NAME
 * SyncCli --config tideline.yaml schedule [--tick 1s]
 * </pre>
 *
 * Exit codes of {@code run}: 0 the run succeeded; 1 it failed (the mirror guard's refusal
 * included); 2 it succeeded but is an alert (new rejections or a volume drop past its threshold); 3
 * it could not start (already running, disabled). Of {@code requeue}: 0, with the number of rows
 * requeued printed (0 is not an error). Of every command: 64 bad usage (an unknown sync included);
 * 78 invalid configuration ({@code postgres.host} missing included: this program connects to a
 * running PostgreSQL).
 */
public final class SyncCli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int ALERT = 2;
    public static final int SKIPPED = 3;
    public static final int USAGE = 64;
    public static final int CONFIG = 78;

    private SyncCli() {}

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, System::getenv));
    }

    /** Runs a command; returns the exit code. */
    public static int execute(
            String[] args, PrintStream out, PrintStream err, Function<String, String> env) {
        String configFile = null;
        String command = null;
        String sync = null;
        boolean dryRun = false;
        boolean allowMassDelete = false;
        Path reportFile = null;
        Duration tick = Duration.ofSeconds(1);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> configFile = args[++i];
                    case "--dry-run" -> dryRun = true;
                    case "--allow-mass-delete" -> allowMassDelete = true;
                    case "--report" -> reportFile = Path.of(args[++i]);
                    case "--tick" -> tick = Durations.parse(args[++i]);
                    default -> {
                        if (command == null) {
                            command = args[i];
                        } else if ((command.equals("run") || command.equals("requeue"))
                                && sync == null) {
                            sync = args[i];
                        } else {
                            return usage(err, "unexpected argument '" + args[i] + "'");
                        }
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            return usage(
                    err,
                    e.getMessage() == null ? "an option is missing its value" : e.getMessage());
        }
        if (configFile == null || command == null) {
            return usage(err, "--config and a command are required");
        }
        TidelineConfig config;
        try {
            config = new ConfigLoader(env).load(Path.of(configFile));
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return CONFIG;
        }
        java.util.Optional<String> noServer = config.postgres().serverProblem();
        if (noServer.isPresent()) {
            err.println(configFile + ": " + noServer.get());
            return CONFIG;
        }
        SyncEngine engine = new SyncEngine(config);
        switch (command) {
            case "requeue" -> {
                if (sync == null) {
                    return usage(err, "requeue needs the name of a sync");
                }
                if (!config.syncs().containsKey(sync)) {
                    err.println(
                            "unknown sync '"
                                    + sync
                                    + "': expected one of "
                                    + config.syncs().keySet());
                    return USAGE;
                }
                try (io.tideline.ledger.Ledger ledger =
                        io.tideline.ledger.Ledger.open(config.postgres())) {
                    int n = ledger.requeue(sync);
                    out.println(
                            "Requeued "
                                    + n
                                    + " parked row"
                                    + (n == 1 ? "" : "s")
                                    + " of sync "
                                    + sync
                                    + ": the next run sends them.");
                }
                return OK;
            }
            case "run" -> {
                if (sync == null) {
                    return usage(err, "run needs the name of a sync");
                }
                if (!config.syncs().containsKey(sync)) {
                    err.println(
                            "unknown sync '"
                                    + sync
                                    + "': expected one of "
                                    + config.syncs().keySet());
                    return USAGE;
                }
                RunReport report =
                        engine.run(
                                sync,
                                SyncEngine.RunOptions.defaults()
                                        .dryRun(dryRun)
                                        .allowMassDelete(allowMassDelete)
                                        .trigger("cli")
                                        .out(out));
                if (reportFile != null) {
                    try {
                        Files.writeString(reportFile, report.toJson());
                    } catch (IOException e) {
                        err.println(
                                "cannot write the report to " + reportFile + ": " + e.getMessage());
                    }
                }
                if (report.status().equals("skipped")) {
                    return SKIPPED;
                }
                if (!report.succeeded()) {
                    return FAILED;
                }
                return report.alerting() ? ALERT : OK;
            }
            case "schedule" -> {
                CountDownLatch forever = new CountDownLatch(1);
                try (SyncScheduler scheduler =
                        new SyncScheduler(engine, Clock.systemUTC(), tick, out).start()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                    forever.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return OK;
            }
            default -> {
                return usage(err, "unknown command '" + command + "'");
            }
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println(
                "usage: SyncCli --config FILE run NAME [--dry-run] [--allow-mass-delete] [--report"
                        + " FILE]");
        err.println("       SyncCli --config FILE requeue NAME");
        err.println("       SyncCli --config FILE schedule [--tick 1s]");
        return USAGE;
    }
}
