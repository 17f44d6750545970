/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.SourceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.ingest.SourceCounts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tideline ingest --mode batch|streaming}. */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description = {
            "Ingest the configured sources into the Iceberg landing tables.",
            "BATCH reads every source to its end and prints the counts per source (exit 0 when"
                    + " read = accepted + quarantined + late + duplicates for each, else 1).",
            "STREAMING runs until Ctrl-C or SIGTERM, printing the counts every --every; then it"
                    + " stops the job with a savepoint, prints the final counts and the savepoint's"
                    + " path, and exits 0.",
            "Without --flink the job runs on the cluster the configuration targets (the one"
                    + " `tideline local up` runs), else on a Flink started in this process."
        })
final class IngestCommand implements Callable<Integer> {

    enum Mode {
        batch,
        streaming
    }

    @Mixin JsonOption common;

    @Option(
            names = "--mode",
            required = true,
            description = "batch or streaming.",
            converter = ModeConverter.class)
    Mode mode;

    @Option(
            names = "--sources",
            split = ",",
            paramLabel = "NAME",
            description =
                    "Only these sources (names of the configuration's sources); default: all"
                            + " enabled.")
    List<String> sources;

    @Option(
            names = "--flink",
            paramLabel = "URL",
            description =
                    "Submit the job jar to the Flink cluster at URL (its REST API) and print the"
                            + " job id and UI link. --config is then the path on the JobManager.")
    String flink;

    @Option(
            names = "--every",
            paramLabel = "DURATION",
            defaultValue = "10s",
            description = "STREAMING: print the counts this often (default ${DEFAULT-VALUE}).")
    String every;

    @Option(
            names = "--savepoint-dir",
            paramLabel = "DIR",
            description =
                    "STREAMING: where the stop's savepoint goes (default <data-dir>/savepoints).")
    Path savepointDir;

    @Option(
            names = "--from-savepoint",
            paramLabel = "PATH",
            description = "STREAMING: resume from this savepoint.")
    String fromSavepoint;

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return Mode.valueOf(value.toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Override
    public Integer call() throws Exception {
        Report report = new Report("ingest", common.json);
        report.root().put("mode", mode.name());
        if (flink != null) {
            return submit(report);
        }
        Path file = Tideline.defaultConfig(common.config);
        TidelineConfig config = Configs.load(file);
        report.root().put("configuration", file.toAbsolutePath().toString());
        IngestJob job = new IngestJob(config, new org.apache.flink.configuration.Configuration());
        if (sources != null) {
            try {
                job.onlySources(sources);
            } catch (IllegalArgumentException e) {
                throw new CliException(Tideline.USAGE, e.getMessage());
            }
        }
        List<String> names = job.sourceNames();
        Configs.requireRunning(
                config,
                file,
                uses(config, names, SourceConfig.Kind.KAFKA),
                uses(config, names, SourceConfig.Kind.JDBC));
        report.progress("Configuration " + file);
        try (FlinkTarget target = FlinkTarget.of(config, 8)) {
            report.progress(
                    (target.inProcess() ? "Flink started in this process, web UI " : "Flink at ")
                            + target.rest());
            report.root().put("flink_ui", target.rest().toString());
            if (fromSavepoint != null) {
                target.client().setString("execution.state-recovery.path", fromSavepoint);
            }
            job = new IngestJob(config, target.client());
            if (sources != null) {
                job.onlySources(sources);
            }
            if (mode == Mode.batch) {
                report.progress("Ingestion, BATCH: every source to its end ...");
                IngestSummary summary = job.runBatch();
                counts(report, summary);
                report.human().print(summary);
                return report.finish(
                        summary.balanced() ? Tideline.OK : Tideline.FAILED,
                        "ingest: "
                                + (summary.balanced()
                                        ? "done, counts balance"
                                        : "counts DO NOT balance"));
            }
            return streaming(report, config, target, job);
        }
    }

    private int streaming(Report report, TidelineConfig config, FlinkTarget target, IngestJob job)
            throws Exception {
        Duration interval = io.tideline.config.Durations.parse(every);
        StopSignal stop = StopSignal.install();
        IngestJob.Running running = job.startStreaming();
        JobClient client = running.client();
        JobID id = client.getJobID();
        report.root().put("job_id", id.toString());
        report.progress("Ingestion, STREAMING: job " + id + ", " + target.jobLink(id));
        report.progress(
                "Counts every " + every + "; Ctrl-C (or SIGTERM) stops it with a savepoint.");
        while (!stop.await(interval)) {
            JobStatus status = client.getJobStatus().get(30, TimeUnit.SECONDS);
            if (status.isGloballyTerminalState()) {
                report.root().put("status", status.name());
                return report.finish(
                        Tideline.FAILED, "ingest: the job ended on its own: " + status);
            }
            report.progress(oneLine(running.summary()));
        }
        report.progress(stop.received() + ": stopping job " + id + " with a savepoint ...");
        String dir = FlinkTarget.savepointDir(config, savepointDir);
        String savepoint =
                client.stopWithSavepoint(false, dir, SavepointFormatType.CANONICAL)
                        .get(180, TimeUnit.SECONDS);
        JobExecutionResult result = client.getJobExecutionResult().get(180, TimeUnit.SECONDS);
        IngestSummary summary = IngestSummary.fromAccumulators(result.getAllAccumulatorResults());
        counts(report, summary);
        report.root().put("savepoint", savepoint);
        report.human().print(summary);
        report.human().println("Savepoint: " + savepoint);
        report.human()
                .println(
                        "Resume with: tideline ingest --mode streaming --from-savepoint "
                                + savepoint);
        return report.finish(Tideline.OK, "ingest: stopped cleanly with a savepoint");
    }

    private int submit(Report report) throws Exception {
        if (sources != null || fromSavepoint != null) {
            throw new CliException(
                    Tideline.USAGE, "--sources and --from-savepoint do not go with --flink yet");
        }
        if (common.config == null) {
            throw new CliException(
                    Tideline.USAGE, "--flink needs --config: the file's path on the JobManager");
        }
        FlinkRest.requireClusterConfig(common.config);
        FlinkRest rest = new FlinkRest(flink);
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--config",
                                common.config.toString(),
                                "--mode",
                                mode.name().toUpperCase()));
        Path jar = FlinkRest.jobJar();
        report.progress("Submitting " + jar.getFileName() + " to " + flink + " ...");
        String job = rest.submit(jar, "io.tideline.ingest.IngestJob", args);
        report.root().put("job_id", job);
        report.root().put("flink_ui", rest.jobLink(job));
        report.progress("Job " + job + ": " + rest.jobLink(job));
        if (mode == Mode.streaming) {
            return report.finish(Tideline.OK, "ingest: job " + job + " submitted");
        }
        String state = rest.awaitTerminal(job, Duration.ofHours(6), report);
        report.root().put("status", state);
        return report.finish(
                state.equals("FINISHED") ? Tideline.OK : Tideline.FAILED,
                "ingest: job " + job + " " + state);
    }

    /** Whether any of the sources {@code names} is of {@code kind}. */
    private static boolean uses(TidelineConfig config, List<String> names, SourceConfig.Kind kind) {
        return names.stream().anyMatch(n -> config.sources().get(n).kind() == kind);
    }

    private static void counts(Report report, IngestSummary summary) {
        ObjectNode ingestion = report.root().putObject("ingestion");
        summary.sources()
                .forEach(
                        (source, c) -> {
                            ObjectNode n = ingestion.putObject(source);
                            n.put("read", c.read());
                            n.put("accepted", c.accepted());
                            n.put("quarantined", c.quarantined());
                            n.put("late", c.late());
                            n.put("duplicates", c.duplicates());
                            n.put("balanced", c.balanced());
                        });
    }

    private static String oneLine(IngestSummary summary) {
        if (summary.sources().isEmpty()) {
            return "no records counted yet";
        }
        StringBuilder s = new StringBuilder();
        summary.sources()
                .forEach(
                        (source, c) -> {
                            if (s.length() > 0) {
                                s.append(" | ");
                            }
                            s.append(source).append(' ').append(line(c));
                        });
        return s.toString();
    }

    static String line(SourceCounts c) {
        return "read "
                + c.read()
                + " accepted "
                + c.accepted()
                + " quarantined "
                + c.quarantined()
                + " late "
                + c.late()
                + " duplicates "
                + c.duplicates();
    }
}
