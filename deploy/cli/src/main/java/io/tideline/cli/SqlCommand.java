/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.Durations;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.sql.SqlRunner;
import io.tideline.sql.StreamingBuild;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tideline sql build|test|client}: the SQL layer of {@code sql/}, through SqlRunner. */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        description = "Build the marts, run the quality checks, or open the Flink SQL client.",
        subcommands = {SqlCommand.Build.class, SqlCommand.Test.class, SqlCommand.Client.class})
final class SqlCommand implements Runnable {

    static final String RUNNER = "io.tideline.sql.SqlRunner";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every sql subcommand shares. */
    static final class Shared {
        @Mixin JsonOption common;

        @Option(
                names = "--flink",
                paramLabel = "URL",
                description =
                        "Submit SqlRunner in the job jar to the Flink cluster at URL (its REST API)"
                                + " and print the job id and UI link; --config is then the path on"
                                + " the JobManager.")
        String flink;
    }

    @Command(
            name = "build",
            mixinStandardHelpOptions = true,
            description = {
                "Build the marts (staging, marts, serving), then run the quality checks.",
                "BATCH rebuilds them and exits 0 when every check passed, 1 otherwise. STREAMING"
                        + " keeps them current until Ctrl-C/SIGTERM, printing the marts' rows every"
                        + " --every, then stops with a savepoint and prints its path."
            })
    static final class Build implements Callable<Integer> {
        @Mixin Shared shared;

        @Option(
                names = "--mode",
                defaultValue = "batch",
                description = "batch (default) or streaming.")
        String mode;

        @Option(
                names = "--select",
                paramLabel = "MODELS",
                description =
                        "Only these models (for example customer_360+), passed to SqlRunner as it"
                                + " is.")
        String select;

        @Option(names = "--skip-checks", description = "Build only, no quality checks.")
        boolean skipChecks;

        @Option(
                names = "--every",
                defaultValue = "10s",
                paramLabel = "DURATION",
                description = "STREAMING: print the marts' rows this often.")
        String every;

        @Option(names = "--savepoint-dir", paramLabel = "DIR", description = "STREAMING: where.")
        Path savepointDir;

        @Override
        public Integer call() throws Exception {
            boolean streaming = mode.equalsIgnoreCase("streaming");
            if (!streaming && !mode.equalsIgnoreCase("batch")) {
                throw new CliException(Tideline.USAGE, "--mode: expected batch or streaming");
            }
            Report report = new Report("sql build", shared.common.json);
            report.root().put("mode", streaming ? "streaming" : "batch");
            List<String> args = new ArrayList<>();
            args.add("--mode");
            args.add(streaming ? "STREAMING" : "BATCH");
            if (select != null) {
                args.add("--select");
                args.add(select);
            }
            if (skipChecks) {
                args.add("--skip-checks");
            }
            if (shared.flink != null) {
                return submit(report, shared, args, !streaming);
            }
            if (streaming) {
                if (select != null) {
                    throw new CliException(
                            Tideline.USAGE, "--select goes with batch builds (or with --flink)");
                }
                return streaming(report);
            }
            return runner(report, shared, args, "sql build");
        }

        private int streaming(Report report) throws Exception {
            Path file = Tideline.defaultConfig(shared.common.config);
            TidelineConfig config = Configs.load(file);
            Duration interval = Durations.parse(every);
            try (FlinkTarget target = FlinkTarget.of(config, 8)) {
                report.progress("Flink at " + target.rest());
                SqlRunner runner = new SqlRunner(config, target.client());
                StopSignal stop = StopSignal.install();
                StreamingBuild build = runner.startStreaming();
                report.root().put("job_id", build.jobId().toString());
                report.progress(
                        "SQL layer, STREAMING: job "
                                + build.jobId()
                                + ", "
                                + target.jobLink(build.jobId()));
                if (config.sql().checks().enabled() && !skipChecks) {
                    build.checkEvery(config.sql().checks().interval());
                }
                while (!stop.await(interval)) {
                    if (build.status().isGloballyTerminalState()) {
                        return report.finish(
                                Tideline.FAILED, "sql build: the job ended: " + build.status());
                    }
                    report.progress(
                            "marts " + build.martRows() + ", check alerts " + build.alerts());
                }
                report.progress(
                        stop.received()
                                + ": stopping job "
                                + build.jobId()
                                + " with a savepoint ...");
                String savepoint =
                        target.stopWithSavepoint(
                                build.jobId(), FlinkTarget.savepointDir(config, savepointDir));
                Map<String, Long> rows = new TreeMap<>(build.martRows());
                build.close();
                ObjectNode marts = report.root().putObject("marts");
                rows.forEach(marts::put);
                report.root().put("savepoint", savepoint);
                report.human().println("Marts: " + rows);
                report.human().println("Savepoint: " + savepoint);
                return report.finish(Tideline.OK, "sql build: stopped cleanly with a savepoint");
            }
        }
    }

    @Command(
            name = "test",
            mixinStandardHelpOptions = true,
            description =
                    "Run the data-quality checks (sql/checks) on the tables as they are. Exit 0"
                            + " when every check passed, 1 otherwise.")
    static final class Test implements Callable<Integer> {
        @Mixin Shared shared;

        @Option(
                names = "--select",
                paramLabel = "MODELS",
                description = "Passed to SqlRunner as it is.")
        String select;

        @Override
        public Integer call() throws Exception {
            Report report = new Report("sql test", shared.common.json);
            List<String> args = new ArrayList<>(List.of("--checks-only"));
            if (select != null) {
                args.add("--select");
                args.add(select);
            }
            if (shared.flink != null) {
                return submit(report, shared, args, true);
            }
            return runner(report, shared, args, "sql test");
        }
    }

    @Command(
            name = "client",
            mixinStandardHelpOptions = true,
            description =
                    "Open the Flink SQL client with sql/init.sql applied (the Iceberg catalog"
                            + " current, serving_* the PostgreSQL tables); queries run on the"
                            + " configuration's cluster (the one `tideline local up` runs), on"
                            + " --flink URL, or locally.")
    static final class Client implements Callable<Integer> {
        @Mixin JsonOption common;

        @Option(names = "--flink", paramLabel = "URL", description = "Run queries on this cluster.")
        String flink;

        @Option(
                names = {"-f", "--file"},
                paramLabel = "SQL",
                description = "Run this file and exit.")
        Path script;

        @Override
        public Integer call() throws Exception {
            Path file = Tideline.defaultConfig(common.config);
            TidelineConfig config = Configs.load(file);
            Configuration job = FlinkSettings.jobConfiguration(config.flink());
            String address = job.getString("rest.address", "");
            String port = job.getString("rest.port", "");
            boolean remote = job.getString("execution.target", "").equals("remote");
            if (flink != null) {
                URI u = URI.create(flink);
                address = u.getHost();
                port = String.valueOf(u.getPort() < 0 ? 8081 : u.getPort());
                remote = true;
            }
            Path dir = Files.createTempDirectory("tideline-sql-client-");
            Path init = dir.resolve("init.sql");
            Files.writeString(
                    init,
                    new SqlRunner(config, job).renderWithSecrets("init.sql"),
                    StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rw-------"));
            Path conf = Files.createDirectories(dir.resolve("conf"));
            Files.writeString(
                    conf.resolve("config.yaml"),
                    remote
                            ? "execution.target: remote\nrest.address: "
                                    + address
                                    + "\nrest.port: "
                                    + port
                                    + "\n"
                            : "execution.target: local\nrest.port: 0\n",
                    StandardCharsets.UTF_8);
            List<String> args = new ArrayList<>(List.of("embedded", "-i", init.toString()));
            args.add("-hist");
            args.add(config.local().dataDirPath().resolve("sql-client.history").toString());
            if (script != null) {
                args.add("-f");
                args.add(script.toAbsolutePath().toString());
            }
            System.err.println(
                    "Flink SQL client on "
                            + (remote ? "http://" + address + ":" + port : "a local Flink")
                            + ", catalog "
                            + config.catalog().name()
                            + " (configuration "
                            + file
                            + ")");
            try {
                return ChildJvm.interactive(
                        "org.apache.flink.table.client.SqlClient",
                        args,
                        Map.of("FLINK_CONF_DIR", conf.toString()));
            } finally {
                Files.deleteIfExists(init);
            }
        }
    }

    /** Runs SqlRunner's own command line in a JVM of its own, then adds the marts' rows. */
    static int runner(Report report, Shared shared, List<String> args, String what)
            throws Exception {
        Path file = Tideline.defaultConfig(shared.common.config);
        TidelineConfig config = Configs.load(file);
        Configs.requireRunning(config, file, false, true);
        List<String> all = new ArrayList<>(List.of("--config", file.toAbsolutePath().toString()));
        all.addAll(args);
        report.progress(
                what + ": SqlRunner " + String.join(" ", args) + " (configuration " + file + ")");
        ChildJvm.Result r = ChildJvm.run(RUNNER, all, Map.of(), report.human());
        ArrayNode output = report.root().putArray("output");
        r.lines().forEach(output::add);
        try {
            ObjectNode marts = report.root().putObject("marts");
            new TreeMap<>(
                            new SqlRunner(config, FlinkSettings.jobConfiguration(config.flink()))
                                    .martRows())
                    .forEach(marts::put);
        } catch (RuntimeException e) {
            report.root().put("marts_error", e.getMessage());
        }
        int code =
                switch (r.exitCode()) {
                    case 0 -> Tideline.OK;
                    case 2 -> Tideline.USAGE;
                    default -> Tideline.FAILED;
                };
        return report.finish(code, what + ": " + (code == 0 ? "OK" : "FAILED (exit " + code + ")"));
    }

    static int submit(Report report, Shared shared, List<String> args, boolean await)
            throws Exception {
        if (shared.common.config == null) {
            throw new CliException(
                    Tideline.USAGE, "--flink needs --config: the file's path on the JobManager");
        }
        FlinkRest.requireClusterConfig(shared.common.config);
        FlinkRest rest = new FlinkRest(shared.flink);
        List<String> all = new ArrayList<>(List.of("--config", shared.common.config.toString()));
        all.addAll(args);
        String job = rest.submit(FlinkRest.jobJar(), RUNNER, all);
        report.root().put("job_id", job);
        report.root().put("flink_ui", rest.jobLink(job));
        report.progress("Job " + job + ": " + rest.jobLink(job));
        if (!await) {
            return report.finish(Tideline.OK, "sql: job " + job + " submitted");
        }
        String state = rest.awaitTerminal(job, Duration.ofHours(6), report);
        report.root().put("status", state);
        return report.finish(
                state.equals("FINISHED") ? Tideline.OK : Tideline.FAILED,
                "sql: job " + job + " " + state);
    }
}
