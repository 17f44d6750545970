/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.TidelineConfig;
import io.tideline.ledger.Ledger;
import io.tideline.sync.SyncCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tideline sync ...}: reverse ETL, through SyncCli's command line. */
@Command(
        name = "sync",
        mixinStandardHelpOptions = true,
        description = {
            "Reverse ETL: sync marts to SaaS APIs.",
            "run and dry-run exit 0 when the run succeeded, 1 when it failed, 2 when it succeeded"
                    + " past an alert threshold, 3 when it could not start (already running,"
                    + " disabled)."
        },
        subcommands = {
            SyncCommand.Run.class,
            SyncCommand.DryRun.class,
            SyncCommand.Schedule.class,
            SyncCommand.Status.class,
            SyncCommand.Requeue.class
        })
final class SyncCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs SyncCli with {@code args} after {@code --config FILE}; maps its exit codes. */
    static int syncCli(Report report, JsonOption common, List<String> args, String what)
            throws Exception {
        Path file = Tideline.defaultConfig(common.config);
        TidelineConfig config = Configs.load(file);
        Configs.requireRunning(config, file, false, true);
        List<String> all = new ArrayList<>(List.of("--config", file.toString()));
        all.addAll(args);
        Path reportFile = null;
        if (report.json() && (args.get(0).equals("run"))) {
            reportFile = Files.createTempFile("tideline-sync-", ".json");
            all.add("--report");
            all.add(reportFile.toString());
        }
        report.progress(what + " (configuration " + file + ")");
        int code =
                SyncCli.execute(
                        all.toArray(String[]::new), report.human(), System.err, System::getenv);
        if (reportFile != null && Files.size(reportFile) > 0) {
            report.root().set("report", Report.JSON.readTree(reportFile.toFile()));
        }
        if (reportFile != null) {
            Files.deleteIfExists(reportFile);
        }
        int mapped =
                switch (code) {
                    case SyncCli.OK -> Tideline.OK;
                    case SyncCli.FAILED -> Tideline.FAILED;
                    case SyncCli.ALERT -> Tideline.ALERT;
                    case SyncCli.SKIPPED -> Tideline.SKIPPED;
                    case SyncCli.CONFIG -> Tideline.CONFIG;
                    default -> Tideline.USAGE;
                };
        return report.finish(mapped, what + ": exit " + mapped);
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run sync NAME once.")
    static final class Run implements Callable<Integer> {
        @Mixin JsonOption common;

        @Parameters(paramLabel = "NAME", description = "The sync (a key of `syncs`).")
        String name;

        @Override
        public Integer call() throws Exception {
            return syncCli(
                    new Report("sync run", common.json),
                    common,
                    List.of("run", name),
                    "sync run " + name);
        }
    }

    @Command(
            name = "dry-run",
            mixinStandardHelpOptions = true,
            description = "Show what sync NAME would send, sending nothing.")
    static final class DryRun implements Callable<Integer> {
        @Mixin JsonOption common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return syncCli(
                    new Report("sync dry-run", common.json),
                    common,
                    List.of("run", name, "--dry-run"),
                    "sync dry-run " + name);
        }
    }

    @Command(
            name = "schedule",
            mixinStandardHelpOptions = true,
            description = "Run every sync on its schedule until Ctrl-C/SIGTERM.")
    static final class Schedule implements Callable<Integer> {
        @Mixin JsonOption common;

        @Override
        public Integer call() throws Exception {
            return syncCli(
                    new Report("sync schedule", common.json),
                    common,
                    List.of("schedule"),
                    "sync schedule");
        }
    }

    @Command(
            name = "requeue",
            mixinStandardHelpOptions = true,
            description = "Send sync NAME's rejected rows again on its next run (SyncCli requeue).")
    static final class Requeue implements Callable<Integer> {
        @Mixin JsonOption common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return syncCli(
                    new Report("sync requeue", common.json),
                    common,
                    List.of("requeue", name),
                    "sync requeue " + name);
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description =
                    "The last runs of every sync (or of NAME), from the ledger in PostgreSQL.")
    static final class Status implements Callable<Integer> {
        @Mixin JsonOption common;

        @Parameters(paramLabel = "NAME", arity = "0..1")
        String name;

        @CommandLine.Option(names = "--last", defaultValue = "5", description = "Runs per sync.")
        int last;

        @Override
        public Integer call() throws Exception {
            Report report = new Report("sync status", common.json);
            Path file = Tideline.defaultConfig(common.config);
            TidelineConfig config = Configs.load(file);
            Configs.requireRunning(config, file, false, true);
            ArrayNode runs = report.root().putArray("runs");
            String sql =
                    "SELECT * FROM (SELECT r.*, row_number() OVER (PARTITION BY sync_name ORDER BY"
                        + " run_id DESC) AS n FROM reverse_etl.runs r WHERE CAST(? AS text) IS NULL"
                        + " OR sync_name = ?) t WHERE n <= ? ORDER BY sync_name, run_id DESC";
            try (Ledger ledger = Ledger.open(config.postgres());
                    PreparedStatement st = ledger.connection().prepareStatement(sql)) {
                st.setString(1, name);
                st.setString(2, name);
                st.setInt(3, last);
                try (ResultSet rs = st.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        ObjectNode run = runs.addObject();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            Object v = rs.getObject(i);
                            if (!md.getColumnLabel(i).equals("n")) {
                                run.put(md.getColumnLabel(i), v == null ? null : String.valueOf(v));
                            }
                        }
                        report.human()
                                .printf(
                                        "%-28s run %-5s %-10s %-9s queried %s sent %s succeeded %s"
                                                + " rejected %s  %s%n",
                                        rs.getString("sync_name"),
                                        rs.getString("run_id"),
                                        rs.getString("status"),
                                        rs.getString("trigger"),
                                        rs.getString("queried"),
                                        rs.getString("sent"),
                                        rs.getString("succeeded"),
                                        rs.getString("rejected"),
                                        rs.getString("started_at"));
                    }
                }
            }
            for (String sync : config.syncs().keySet()) {
                report.root().withArray("syncs").add(sync);
            }
            return report.finish(
                    Tideline.OK,
                    "sync status: " + runs.size() + " runs of " + config.syncs().keySet());
        }
    }
}
