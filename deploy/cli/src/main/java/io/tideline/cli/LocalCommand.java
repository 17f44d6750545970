/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.ColumnType;
import io.tideline.config.DestinationConfig;
import io.tideline.config.Durations;
import io.tideline.config.SourceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.SaasEmulator;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.local.LocalParts;
import io.tideline.platform.LocalPlatform;
import io.tideline.sql.SqlRunner;
import io.tideline.sql.StreamingBuild;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tideline local up}: the embedded parts alone, for a user's own data. */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = "The embedded local platform.",
        subcommands = {LocalCommand.Up.class})
final class LocalCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "up",
            mixinStandardHelpOptions = true,
            description = {
                "Start the embedded parts only (Kafka, PostgreSQL, the Iceberg catalog, the SaaS"
                        + " emulator, Flink with its web UI), print where each is, and write"
                        + " <data-dir>/tideline-local.yaml: a configuration every other command"
                        + " uses as it is (the default when they get no --config).",
                "With --streaming, also run ingestion and the SQL layer in STREAMING, printing the"
                    + " counts every --every. Ctrl-C (or SIGTERM) stops the jobs with savepoints"
                    + " and every part; exit 0."
            })
    static final class Up implements Callable<Integer> {

        @Option(
                names = {"-c", "--config"},
                paramLabel = "FILE",
                description =
                        "What to start: embedded parts, sources, syncs (default:"
                                + " deploy/local/tideline.yaml).")
        Path config;

        @Option(names = "--streaming", description = "Also run ingestion and the SQL layer.")
        boolean streaming;

        @Option(
                names = "--every",
                defaultValue = "10s",
                paramLabel = "DURATION",
                description = "--streaming: print the counts this often.")
        String every;

        @Option(names = "--json", description = "Print the summary at the end as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Report report = new Report("local up", json);
            Path file = config == null ? Tideline.exampleConfig() : config.toAbsolutePath();
            TidelineConfig cfg = Configs.load(file);
            Duration interval = Durations.parse(every);
            StopSignal stop = StopSignal.install();
            report.progress(
                    "Starting the embedded parts (data in " + cfg.local().dataDir() + ") ...");
            LocalParts parts = LocalParts.start(jarFriendly(cfg), 8);
            SaasEmulator emulator = null;
            try {
                TidelineConfig live = parts.config();
                String token = emulatorToken(live);
                if (token != null) {
                    emulator = SaasEmulator.start(EmulatorOptions.defaults(token));
                    live = LocalPlatform.withEmulator(live, emulator.baseUri());
                }
                prepareSources(parts, live, report);
                Path written =
                        parts.writeEffectiveConfig(
                                live, file.toAbsolutePath().normalize().getParent());
                Map<String, String> where = new LinkedHashMap<>();
                where.put("flink_ui", parts.flink().restAddress().toString());
                where.put("kafka", live.kafka().bootstrapServersString());
                where.put("postgres", live.postgres().jdbcUrl());
                where.put("warehouse", live.catalog().warehouse());
                if (emulator != null) {
                    where.put("saas_emulator", emulator.baseUri().toString());
                }
                live.enabledSources().forEach((n, src) -> where.put("source " + n, origin(src)));
                where.put("configuration", written.toString());
                ObjectNode w = report.root().putObject("where");
                where.forEach(w::put);
                report.progress("Up:");
                where.forEach((k, v) -> report.human().printf("  %-16s %s%n", k, v));
                report.human()
                        .println(
                                "Every tideline command now uses "
                                        + written
                                        + " when given no --config, for example:\n"
                                        + "  ./tideline ingest --mode batch\n"
                                        + "  ./tideline sql build\n"
                                        + "  ./tideline sql client\n"
                                        + "  ./tideline sync run NAME\n"
                                        + "Press Ctrl-C to stop everything.");
                report.human().flush();
                if (!streaming) {
                    while (!stop.await(Duration.ofHours(1))) {
                        // Serving until Ctrl-C.
                    }
                    report.progress(stop.received() + ": stopping every part ...");
                    return report.finish(Tideline.OK, "local: stopped");
                }
                return streaming(report, parts, live, stop, interval);
            } finally {
                if (emulator != null) {
                    emulator.close();
                }
                parts.close();
            }
        }

        private int streaming(
                Report report,
                LocalParts parts,
                TidelineConfig live,
                StopSignal stop,
                Duration interval)
                throws Exception {
            Configuration flink = parts.flink().clientConfiguration();
            IngestJob.Running ingest = new IngestJob(live, flink).startStreaming();
            JobClient ingestClient = ingest.client();
            report.progress(
                    "Ingestion, STREAMING: job "
                            + ingestClient.getJobID()
                            + ", "
                            + link(parts, ingestClient.getJobID().toString()));
            StreamingBuild sql = new SqlRunner(live, flink).startStreaming();
            report.progress(
                    "SQL layer, STREAMING: job "
                            + sql.jobId()
                            + ", "
                            + link(parts, sql.jobId().toString()));
            if (live.sql().checks().enabled()) {
                sql.checkEvery(live.sql().checks().interval());
            }
            while (!stop.await(interval)) {
                IngestSummary s = ingest.summary();
                StringBuilder line = new StringBuilder();
                s.sources()
                        .forEach(
                                (source, c) ->
                                        line.append(source)
                                                .append(' ')
                                                .append(IngestCommand.line(c))
                                                .append(" | "));
                report.progress(line + "marts " + sql.martRows());
            }
            report.progress(stop.received() + ": stopping both jobs with savepoints ...");
            String dir = FlinkTarget.savepointDir(live, null);
            String ingestSavepoint =
                    ingestClient
                            .stopWithSavepoint(false, dir, SavepointFormatType.CANONICAL)
                            .get(180, TimeUnit.SECONDS);
            JobExecutionResult result =
                    ingestClient.getJobExecutionResult().get(180, TimeUnit.SECONDS);
            IngestSummary fin = IngestSummary.fromAccumulators(result.getAllAccumulatorResults());
            String sqlSavepoint =
                    parts.flink()
                            .miniCluster()
                            .stopWithSavepoint(
                                    sql.jobId(), dir, false, SavepointFormatType.CANONICAL)
                            .get(180, TimeUnit.SECONDS);
            Map<String, Long> marts = sql.martRows();
            sql.close();
            report.human().print(fin);
            report.human().println("Marts: " + marts);
            report.human()
                    .println("Savepoints: ingestion " + ingestSavepoint + ", SQL " + sqlSavepoint);
            report.root().put("ingest_savepoint", ingestSavepoint);
            report.root().put("sql_savepoint", sqlSavepoint);
            return report.finish(Tideline.OK, "local: stopped cleanly");
        }

        /**
         * The configured sources, empty, where this platform runs them: the events topic in the
         * embedded broker, the customers table in the embedded PostgreSQL, the orders folder.
         */
        /** Where a source reads: its topic(s), folder or table. */
        private static String origin(SourceConfig src) {
            return switch (src.kind()) {
                case KAFKA ->
                        "kafka "
                                + (src.topic() != null
                                        ? src.topic()
                                        : src.topicPattern() != null
                                                ? src.topicPattern()
                                                : String.join(",", src.topics()));
                case FILES -> "folder " + src.folder();
                case JDBC ->
                        "postgres " + (src.sourceTable() != null ? src.sourceTable() : "(query)");
                case POSTGRES_CDC -> "postgres-cdc " + src.sourceTable();
            };
        }

        /**
         * Makes every enabled source ready and empty, for the user's own data: a Kafka topic is
         * created, a drop folder made, and a PostgreSQL table created from the source's declared
         * columns and key when it does not exist yet.
         */
        private static void prepareSources(LocalParts parts, TidelineConfig live, Report report)
                throws Exception {
            for (Map.Entry<String, SourceConfig> e : live.enabledSources().entrySet()) {
                SourceConfig src = e.getValue();
                switch (src.kind()) {
                    case KAFKA -> {
                        if (parts.kafka().isPresent()) {
                            List<String> topics =
                                    src.topic() != null ? List.of(src.topic()) : src.topics();
                            for (String topic : topics) {
                                try {
                                    parts.kafka().get().createTopic(topic, 2);
                                } catch (IllegalStateException exists) {
                                    // Kept from an earlier run (the data folder persists).
                                }
                            }
                        }
                    }
                    case FILES -> {
                        if (!src.folder().contains("://")) {
                            Files.createDirectories(Path.of(src.folder()));
                        }
                    }
                    case JDBC -> {
                        if (parts.postgres().isPresent() && src.sourceTable() != null) {
                            createTable(live, src);
                        }
                    }
                }
                report.progress("Source " + e.getKey() + " ready: " + origin(src));
            }
        }

        private static void createTable(TidelineConfig live, SourceConfig src) throws Exception {
            String table = src.sourceTable();
            List<String> columns = new ArrayList<>();
            src.columnsInOrder()
                    .forEach(
                            (name, c) ->
                                    columns.add(
                                            c.fromOr(name) + " " + postgresType(c.columnType())));
            if (!src.key().isEmpty()) {
                columns.add("PRIMARY KEY (" + String.join(", ", src.key()) + ")");
            }
            try (Connection c =
                            DriverManager.getConnection(
                                    live.postgres().jdbcUrl(),
                                    live.postgres().connectionProperties());
                    Statement st = c.createStatement()) {
                if (table.contains(".")) {
                    st.execute(
                            "CREATE SCHEMA IF NOT EXISTS "
                                    + table.substring(0, table.indexOf('.')));
                }
                st.execute(
                        "CREATE TABLE IF NOT EXISTS "
                                + table
                                + " ("
                                + String.join(", ", columns)
                                + ")");
            }
        }

        private static String postgresType(ColumnType type) {
            return switch (type.kind()) {
                case STRING -> "TEXT";
                case BOOLEAN -> "BOOLEAN";
                case INT -> "INTEGER";
                case BIGINT -> "BIGINT";
                case DOUBLE -> "DOUBLE PRECISION";
                case DECIMAL -> "NUMERIC(" + type.precision() + "," + type.scale() + ")";
                case DATE -> "DATE";
                case TIMESTAMP -> "TIMESTAMPTZ";
                case JSON -> "JSONB";
            };
        }

        private static String link(LocalParts parts, String job) {
            return parts.flink().restAddress() + "/#/job/running/" + job + "/overview";
        }

        /**
         * The platform's Flink already has every connector on its class path; a job jar submitted
         * to it ({@code --flink URL}) carries them too. Parent-first loading makes both the same
         * classes, as on a cluster whose lib/ holds Flink alone.
         */
        private static TidelineConfig jarFriendly(TidelineConfig config) {
            var f = config.flink();
            Map<String, String> settings = new LinkedHashMap<>(f.settings());
            settings.putIfAbsent("classloader.resolve-order", "parent-first");
            return config.withFlink(
                    new io.tideline.config.FlinkConfig(
                            f.parallelism(),
                            f.checkpointInterval(),
                            f.checkpointDir(),
                            f.webUi(),
                            f.restPort(),
                            settings));
        }

        /** The token of the first destination on loopback, which the emulator then serves. */
        private static String emulatorToken(TidelineConfig config) {
            for (DestinationConfig d : config.destinations().values()) {
                URI url = URI.create(d.url().reveal());
                boolean loopback =
                        "127.0.0.1".equals(url.getHost()) || "localhost".equals(url.getHost());
                if (loopback && d.token() != null) {
                    return d.token().reveal();
                }
            }
            return null;
        }
    }
}
