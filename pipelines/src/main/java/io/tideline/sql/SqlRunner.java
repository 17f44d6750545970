/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.SqlChecksConfig;
import io.tideline.config.SqlConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the SQL layer ({@code sql/}) on Flink: substitutes the variables into the files, executes
 * the setup, staging and mart statements in order, groups every INSERT of a build into one
 * statement set (one Flink job), and runs the data-quality checks after the build.
 *
 * <ul>
 *   <li>{@link #runBatch()}: rebuilds the marts in BATCH mode, then runs the checks; the result
 *       says which failed (the command line exits 1).
 *   <li>{@link #startStreaming()}: submits the STREAMING job that keeps the marts current; its
 *       handle runs the checks on demand or every {@code sql.checks.interval}, counts failures and
 *       logs an alert.
 * </ul>
 *
 * <p>The files run in this order: {@code init.sql}, {@code schema.sql}, {@code sources/<mode>.sql},
 * {@code staging/*.sql}, {@code marts/*.sql}, then {@code build/<mode>/<mart>.sql} for each
 * configured mart. Checks are {@code checks/*.sql}, one query each, run in BATCH mode over the
 * tables as they are; the rows a check returns are stored in {@code quality.violations} under the
 * check's name.
 */
public final class SqlRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SqlRunner.class);
    private static final Pattern SET =
            Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'((?:[^']|'')*)'\\s*");
    private static final DateTimeFormatter SQL_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** The Iceberg table the checks' violating rows go to. */
    public static final TableIdentifier VIOLATIONS = TableIdentifier.of("quality", "violations");

    private final TidelineConfig config;
    private final Configuration flink;
    private final SqlConfig sql;
    private final Path dir;
    private final Instant asOf;

    /**
     * @param config the deployment: catalog, PostgreSQL and the {@code sql} section
     * @param flink the Flink configuration jobs run with: a client configuration that targets a
     *     cluster (the local MiniCluster, for example), or the job options inside {@code flink run}
     */
    public SqlRunner(TidelineConfig config, Configuration flink) {
        this.config = config;
        this.flink = flink;
        this.sql = config.sql();
        this.dir = sql.dirPath();
        this.asOf = sql.asOfInstant() != null ? sql.asOfInstant() : Instant.now();
        if (!Files.isDirectory(dir.resolve("checks"))
                || !Files.isRegularFile(dir.resolve("init.sql"))) {
            throw new IllegalArgumentException(
                    "sql.dir: "
                            + dir
                            + " is not the SQL layer's folder (expected init.sql and checks/ in"
                            + " it)");
        }
    }

    /** The reference instant of the rolling measures and the freshness check. */
    public Instant asOf() {
        return asOf;
    }

    /** Every variable the files may use, for one run. */
    public SqlVariables variables() {
        SqlVariables v = new SqlVariables();
        v.put("CATALOG", config.catalog().name());
        Map<String, String> catalogProps = IcebergCatalogs.properties(config);
        v.put(
                "CATALOG_OPTIONS",
                catalogProps.entrySet().stream()
                        .map(
                                e ->
                                        "'"
                                                + SqlVariables.literal(e.getKey())
                                                + "' = '"
                                                + SqlVariables.literal(e.getValue())
                                                + "'")
                        .collect(Collectors.joining(",\n  ")));
        config.catalog().secretProperties().values().forEach(s -> v.markSecret(s.reveal()));
        if (config.postgres().password() != null) {
            v.markSecret(config.postgres().password().reveal());
        }
        v.put("PG_URL", config.postgres().jdbcUrl());
        v.put("PG_USER", config.postgres().user());
        v.putSecret(
                "PG_PASSWORD",
                config.postgres().password() == null
                        ? ""
                        : SqlVariables.literal(config.postgres().password().reveal()));
        v.put("AS_OF", SQL_TIMESTAMP.format(asOf));
        SqlChecksConfig checks = sql.checks();
        v.put("MIN_ROWS", Long.toString(checks.minRows()));
        v.put("MAX_STALENESS_HOURS", Long.toString(checks.maxStaleness().toHours()));
        v.put("OUTLIER_STDDEVS", Double.toString(checks.outlierStddevs()));
        v.put("OUTLIER_WINDOW_DAYS", Long.toString(checks.outlierWindow().toDays()));
        v.put("OUTLIER_MIN_SAMPLES", Integer.toString(checks.outlierMinSamples()));
        v.put("WATERMARK_DELAY_SECONDS", "5");
        sql.variables().forEach(v::put);
        sql.secretVariables().forEach((k, s) -> v.putSecret(k, s.reveal()));
        return v;
    }

    /**
     * The text of one file with its variables substituted, secrets included: for handing a file to
     * the SQL client. Write it only where the secrets may go.
     */
    public String renderWithSecrets(String file) {
        SqlVariables v = variables();
        return SqlScripts.read(dir.resolve(file)).stream()
                .map(s -> v.substitute(s).text() + ";\n")
                .collect(Collectors.joining("\n"));
    }

    private static final Pattern VIEW =
            Pattern.compile("(?is)CREATE\\s+TEMPORARY\\s+VIEW\\s+(\\w+)\\s+AS\\s+(.*)");
    private static final Pattern INSERT =
            Pattern.compile(
                    "(?is)(INSERT\\s+(?:INTO|OVERWRITE)\\s+\\S+(?:\\s*/\\*\\+.*?\\*/)?)\\s+(SELECT\\s.*)");

    /**
     * The BATCH build of the configured marts (and their serving upserts) as one script for the
     * Flink SQL client, to run after {@code init.sql}: {@code schema.sql}, then one {@code EXECUTE
     * STATEMENT SET} whose INSERTs carry the source, staging and mart views as common table
     * expressions. The views are inlined because the Flink 2.0.0 SQL client fails to plan queries
     * over temporary views that earlier statements used ("... belongs to a different planner than
     * is currently being used"). Variables are substituted; secret values come out masked (these
     * files hold none).
     */
    public String clientBuildScript() {
        return clientBuildScript(buildScripts(RuntimeExecutionMode.BATCH));
    }

    /** As {@link #clientBuildScript()}, for the given build files. */
    public String clientBuildScript(List<String> buildFiles) {
        SqlVariables v = variables();
        StringBuilder ctes = new StringBuilder();
        StringBuilder script = new StringBuilder();
        script.append("SET 'execution.runtime-mode' = 'batch';\n");
        script.append("SET 'table.dml-sync' = 'true';\n");
        List<Path> setup = new ArrayList<>();
        setup.add(dir.resolve("schema.sql"));
        setup.add(dir.resolve("sources/batch.sql"));
        setup.addAll(sorted(dir.resolve("staging")));
        setup.addAll(sorted(dir.resolve("marts")));
        for (Path file : setup) {
            for (SqlStatement st : SqlScripts.read(file)) {
                String text = v.substitute(st).text();
                Matcher view = VIEW.matcher(text);
                if (view.matches()) {
                    ctes.append(ctes.length() == 0 ? "WITH " : ",\n")
                            .append(view.group(1))
                            .append(" AS (\n")
                            .append(view.group(2))
                            .append("\n)");
                } else {
                    script.append(text).append(";\n");
                }
            }
        }
        script.append("EXECUTE STATEMENT SET\nBEGIN\n");
        for (String f : buildFiles) {
            for (SqlStatement st : SqlScripts.read(dir.resolve(f))) {
                Matcher insert = INSERT.matcher(v.substitute(st).text());
                if (!insert.matches()) {
                    throw new IllegalArgumentException(st.where() + ": expected INSERT ... SELECT");
                }
                script.append(insert.group(1))
                        .append(" SELECT * FROM (\n")
                        .append(ctes)
                        .append("\n")
                        .append(insert.group(2))
                        .append(");\n");
            }
        }
        script.append("END;\n");
        return v.mask(script.toString());
    }

    /** Rebuilds the configured marts in BATCH mode, then runs the checks (when enabled). */
    public SqlRunResult runBatch() {
        return runBatch(buildScripts(RuntimeExecutionMode.BATCH), sql.checks().enabled());
    }

    /**
     * Runs {@code buildScripts} (files of {@code sql/}, after the setup, sources, staging and mart
     * views) in BATCH mode, then the checks when {@code checks} is true.
     */
    public SqlRunResult runBatch(List<String> buildScripts, boolean checks) {
        String runId = runId(RuntimeExecutionMode.BATCH);
        long start = System.nanoTime();
        createServingTables();
        TableEnvironment tEnv = tableEnvironment(RuntimeExecutionMode.BATCH, "build");
        SqlVariables v = variables();
        StatementSet set = tEnv.createStatementSet();
        int inserts = execute(tEnv, set, v, scripts(RuntimeExecutionMode.BATCH, buildScripts));
        LOG.info("SQL layer BATCH build {}: one job of {} INSERT statements", runId, inserts);
        if (inserts > 0) {
            await(set, v, "the BATCH build");
        }
        Duration buildTime = Duration.ofNanos(System.nanoTime() - start);
        Map<String, Long> rows = martRows();
        long checkStart = System.nanoTime();
        List<CheckResult> results =
                checks ? runChecks(RuntimeExecutionMode.BATCH, runId) : List.of();
        SqlRunResult result =
                new SqlRunResult(
                        RuntimeExecutionMode.BATCH,
                        runId,
                        rows,
                        results,
                        buildTime,
                        Duration.ofNanos(System.nanoTime() - checkStart));
        LOG.info("{}", result.summary());
        return result;
    }

    /**
     * Submits the STREAMING job that keeps the configured marts current (Iceberg upserts and
     * PostgreSQL upserts), and returns its handle. The job runs until the handle is closed.
     */
    public StreamingBuild startStreaming() {
        String runId = runId(RuntimeExecutionMode.STREAMING);
        createServingTables();
        StreamExecutionEnvironment env =
                FlinkSettings.environment(flink, RuntimeExecutionMode.STREAMING);
        StreamTableEnvironment tEnv =
                tableEnvironment(env, RuntimeExecutionMode.STREAMING, "build");
        SqlVariables v = variables();
        StreamStatementSet set = tEnv.createStatementSet();
        int inserts =
                execute(
                        tEnv,
                        set,
                        v,
                        scripts(
                                RuntimeExecutionMode.STREAMING,
                                buildScripts(RuntimeExecutionMode.STREAMING)));
        JobClient job;
        try {
            set.attachAsDataStream();
            if (sql.checks().enabled()) {
                QualityMetrics.attach(
                        env,
                        IcebergCatalogs.loader(config),
                        checkFiles().stream().map(SqlRunner::checkName).toList());
            }
            job = env.executeAsync(tEnv.getConfig().get(PipelineOptions.NAME));
        } catch (Exception e) {
            throw SqlRunException.of("the STREAMING build", e, v);
        }
        LOG.info(
                "SQL layer STREAMING build {} submitted as job {} ({} INSERT statements)",
                runId,
                job.getJobID(),
                inserts);
        return new StreamingBuild(this, job, sql.checks());
    }

    /**
     * Runs every check of {@code sql/checks} over the tables as they are now, in one BATCH job,
     * stores the violating rows in {@code quality.violations} under {@code runId}, and returns each
     * check's result.
     *
     * @param mode the mode of the build the checks follow (recorded with the violations)
     */
    public List<CheckResult> runChecks(RuntimeExecutionMode mode, String runId) {
        TableEnvironment tEnv = tableEnvironment(RuntimeExecutionMode.BATCH, "checks");
        SqlVariables v = variables();
        List<Path> setup =
                List.of(
                        dir.resolve("init.sql"),
                        dir.resolve("schema.sql"),
                        dir.resolve("sources/batch.sql"));
        List<Path> files = new ArrayList<>(setup);
        files.addAll(sorted(dir.resolve("staging")));
        StatementSet unused = tEnv.createStatementSet();
        if (execute(tEnv, unused, v, files) > 0) {
            throw new IllegalStateException("the setup of the checks holds INSERT statements");
        }
        Instant checkedAt = Instant.now();
        StatementSet set = tEnv.createStatementSet();
        List<String> names = new ArrayList<>();
        for (Path file : checkFiles()) {
            String name = checkName(file);
            List<SqlStatement> statements = SqlScripts.read(file);
            if (statements.size() != 1 || statements.get(0).kind() != SqlStatement.Kind.QUERY) {
                throw new IllegalArgumentException(
                        file + ": a check is exactly one query that returns the violating rows");
            }
            SqlStatement check = v.substitute(statements.get(0));
            try {
                List<String> columns =
                        tEnv.sqlQuery(check.text()).getResolvedSchema().getColumnNames();
                String json =
                        columns.stream()
                                .map(
                                        c ->
                                                "KEY '"
                                                        + SqlVariables.literal(c)
                                                        + "' VALUE CAST(`"
                                                        + c.replace("`", "``")
                                                        + "` AS STRING)")
                                .collect(Collectors.joining(", "));
                set.addInsertSql(
                        "INSERT INTO quality.violations SELECT '"
                                + SqlVariables.literal(name)
                                + "', '"
                                + runId
                                + "', '"
                                + mode
                                + "', CAST('"
                                + SQL_TIMESTAMP.format(checkedAt)
                                + "' AS TIMESTAMP_LTZ(6)), JSON_OBJECT("
                                + json
                                + ") FROM ("
                                + check.text()
                                + ") AS violating_rows");
            } catch (RuntimeException e) {
                throw SqlRunException.of(check.where(), e, v);
            }
            names.add(name);
        }
        if (!names.isEmpty()) {
            await(set, v, "the checks");
        }
        List<CheckResult> results = readViolations(runId, names);
        recordRound(runId, mode, checkedAt, results);
        return results;
    }

    /**
     * Appends the round's result per check (violations, 0 when it passed) to {@code
     * quality.check_runs}, which the STREAMING job's {@link QualityMetrics} expose as metrics.
     */
    private void recordRound(
            String runId, RuntimeExecutionMode mode, Instant checkedAt, List<CheckResult> results) {
        Table table = IcebergCatalogs.open(config).loadTable(QualityMetrics.CHECK_RUNS);
        OffsetDateTime at = checkedAt.atOffset(ZoneOffset.UTC);
        List<Record> rows = new ArrayList<>();
        for (CheckResult r : results) {
            Record row = GenericRecord.create(table.schema());
            row.setField("check_name", r.name());
            row.setField("run_id", runId);
            row.setField("mode", mode.name());
            row.setField("checked_at", at);
            row.setField("violations", r.violations());
            rows.add(row);
        }
        if (!rows.isEmpty()) {
            IcebergAppends.append(table, rows.iterator());
        }
    }

    /** The rows of each configured mart, as the catalog holds them now. */
    public Map<String, Long> martRows() {
        Catalog catalog = IcebergCatalogs.open(config);
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String mart : sql.marts()) {
            Table table = catalog.loadTable(TableIdentifier.of("marts", mart));
            rows.put(mart, count(table));
        }
        return rows;
    }

    private static long count(Table table) {
        table.refresh();
        Snapshot snapshot = table.currentSnapshot();
        if (snapshot == null) {
            return 0;
        }
        Map<String, String> summary = snapshot.summary();
        boolean noDeletes =
                "0".equals(summary.getOrDefault("total-equality-deletes", "0"))
                        && "0".equals(summary.getOrDefault("total-position-deletes", "0"));
        if (noDeletes && summary.containsKey("total-records")) {
            return Long.parseLong(summary.get("total-records"));
        }
        long n = 0;
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record ignored : records) {
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    private List<CheckResult> readViolations(String runId, List<String> names) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, List<String>> samples = new LinkedHashMap<>();
        names.forEach(
                n -> {
                    counts.put(n, 0L);
                    samples.put(n, new ArrayList<>());
                });
        Table table = IcebergCatalogs.open(config).loadTable(VIOLATIONS);
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(table).where(Expressions.equal("run_id", runId)).build()) {
            for (Record r : records) {
                String name = (String) r.getField("check_name");
                counts.merge(name, 1L, Long::sum);
                List<String> sample = samples.computeIfAbsent(name, k -> new ArrayList<>());
                if (sample.size() < 5) {
                    sample.add((String) r.getField("violation"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<CheckResult> out = new ArrayList<>();
        counts.forEach((name, n) -> out.add(new CheckResult(name, n, samples.get(name))));
        return out;
    }

    /** The check files, in name order. */
    public List<Path> checkFiles() {
        return sorted(dir.resolve("checks"));
    }

    static String checkName(Path file) {
        String f = file.getFileName().toString();
        return f.substring(0, f.length() - ".sql".length());
    }

    /** The build files of the configured marts, for {@link #runBatch(List, boolean)}. */
    public List<String> buildScripts(RuntimeExecutionMode mode) {
        String m = mode.name().toLowerCase(Locale.ROOT);
        return sql.marts().stream().map(mart -> "build/" + m + "/" + mart + ".sql").toList();
    }

    private List<Path> scripts(RuntimeExecutionMode mode, List<String> buildScripts) {
        List<Path> files = new ArrayList<>();
        files.add(dir.resolve("init.sql"));
        files.add(dir.resolve("schema.sql"));
        files.add(dir.resolve("sources/" + mode.name().toLowerCase(Locale.ROOT) + ".sql"));
        files.addAll(sorted(dir.resolve("staging")));
        files.addAll(sorted(dir.resolve("marts")));
        buildScripts.forEach(f -> files.add(dir.resolve(f)));
        return files;
    }

    private static List<Path> sorted(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    /**
     * Executes the statements of {@code files} in order: SET into the session, INSERT into {@code
     * set}, everything else at once. Returns the INSERTs added.
     */
    private static int execute(
            TableEnvironment tEnv, StatementSet set, SqlVariables v, List<Path> files) {
        int inserts = 0;
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("SQL file not found: " + file);
            }
            for (SqlStatement raw : SqlScripts.read(file)) {
                SqlStatement s = v.substitute(raw);
                try {
                    switch (s.kind()) {
                        case SET -> {
                            Matcher m = SET.matcher(s.text());
                            if (!m.matches()) {
                                throw new IllegalArgumentException("expected SET 'key' = 'value'");
                            }
                            tEnv.getConfig().set(m.group(1), m.group(2).replace("''", "'"));
                        }
                        case RESET -> {
                            // Session options of one run never outlive it; nothing to reset.
                        }
                        case INSERT -> {
                            set.addInsertSql(s.text());
                            inserts++;
                        }
                        case QUERY ->
                                throw new IllegalArgumentException(
                                        "a query in a build script: queries belong in checks/"
                                                + " or queries/");
                        case OTHER -> tEnv.executeSql(s.text());
                    }
                } catch (RuntimeException e) {
                    throw SqlRunException.of(s.where(), e, v);
                }
            }
        }
        return inserts;
    }

    private static void await(StatementSet set, SqlVariables v, String what) {
        try {
            set.execute().await();
        } catch (Exception e) {
            throw SqlRunException.of(what, e, v);
        }
    }

    private TableEnvironment tableEnvironment(RuntimeExecutionMode mode, String purpose) {
        return tableEnvironment(FlinkSettings.environment(flink, mode), mode, purpose);
    }

    private static StreamTableEnvironment tableEnvironment(
            StreamExecutionEnvironment env, RuntimeExecutionMode mode, String purpose) {
        EnvironmentSettings settings =
                mode == RuntimeExecutionMode.BATCH
                        ? EnvironmentSettings.inBatchMode()
                        : EnvironmentSettings.inStreamingMode();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, settings);
        tEnv.getConfig()
                .set(
                        "pipeline.name",
                        "tideline-sql-" + mode.name().toLowerCase(Locale.ROOT) + "-" + purpose);
        return tEnv;
    }

    /** Creates the PostgreSQL serving schema and tables ({@code sql/serving/postgres.sql}). */
    public void createServingTables() {
        List<SqlStatement> ddl = SqlScripts.read(dir.resolve("serving/postgres.sql"));
        try (Connection c =
                        DriverManager.getConnection(
                                config.postgres().jdbcUrl(),
                                config.postgres().connectionProperties());
                Statement s = c.createStatement()) {
            for (SqlStatement statement : ddl) {
                s.execute(statement.text());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create the serving tables in " + config.postgres().jdbcUrl(), e);
        }
    }

    private static String runId(RuntimeExecutionMode mode) {
        return mode.name().toLowerCase(Locale.ROOT)
                + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now())
                + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newRunId(RuntimeExecutionMode mode) {
        return runId(mode);
    }

    /**
     * {@code --config FILE --mode BATCH|STREAMING [--scripts a.sql,b.sql] [--skip-checks]}, or
     * {@code --config FILE --client-script} to print {@link #clientBuildScript()}, or {@code
     * --config FILE --checks-only} to run only the checks (exit 1 when one fails; for STREAMING
     * deployments submitted detached, where the checks run on a schedule of their own).
     *
     * <p>BATCH exits 1 when a check fails (and {@code sql.checks.fail-batch} is true). STREAMING
     * runs until stopped, running the checks every {@code sql.checks.interval}.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "--mode", "--scripts" -> {
                    if (i + 1 >= args.length) {
                        usage(args[i] + " needs a value");
                    }
                    opts.put(args[i], args[++i]);
                }
                case "--skip-checks", "--client-script", "--checks-only" ->
                        opts.put(args[i], "true");
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (!opts.containsKey("--config")) {
            usage("--config is required");
        }
        RuntimeExecutionMode mode =
                RuntimeExecutionMode.valueOf(
                        opts.getOrDefault("--mode", "BATCH").toUpperCase(Locale.ROOT));
        TidelineConfig config = ConfigLoader.fromEnvironment().load(Path.of(opts.get("--config")));
        SqlRunner runner = new SqlRunner(config, FlinkSettings.jobConfiguration(config.flink()));
        if (opts.containsKey("--client-script")) {
            System.out.print(runner.clientBuildScript());
            return;
        }
        if (opts.containsKey("--checks-only")) {
            // The checks of a STREAMING deployment, run on a schedule next to the job.
            List<CheckResult> results = runner.runChecks(mode, runId(RuntimeExecutionMode.BATCH));
            results.forEach(System.out::println);
            boolean passed = results.stream().allMatch(CheckResult::passed);
            if (!passed) {
                LOG.warn("ALERT data-quality checks failed: {}", results);
                System.exit(1);
            }
            return;
        }
        boolean checks = config.sql().checks().enabled() && !opts.containsKey("--skip-checks");
        if (mode == RuntimeExecutionMode.BATCH) {
            SqlRunResult result =
                    opts.containsKey("--scripts")
                            ? runner.runBatch(
                                    Arrays.asList(opts.get("--scripts").split(",")), checks)
                            : runner.runBatch(runner.buildScripts(mode), checks);
            System.out.println(result.summary());
            if (!result.passed() && config.sql().checks().failBatch()) {
                System.exit(1);
            }
            return;
        }
        StreamingBuild build = runner.startStreaming();
        System.out.println("STREAMING build running as job " + build.jobId());
        // `flink run -d` sets execution.attached=false; a plain `java` run leaves it unset.
        boolean detached =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                        .getExecutionEnvironment()
                        .getConfiguration()
                        .getOptional(org.apache.flink.configuration.DeploymentOptions.ATTACHED)
                        .map(a -> !a)
                        .orElse(false);
        if (detached) {
            // Detached (flink run -d): the job runs on; run the checks with --checks-only.
            return;
        }
        try (build) {
            if (checks) {
                build.checkEvery(config.sql().checks().interval());
            }
            build.awaitTermination();
        }
    }

    private static void usage(String problem) {
        System.err.println(
                problem
                        + "\n"
                        + "usage: SqlRunner --config FILE --mode BATCH|STREAMING [--scripts"
                        + " a.sql,b.sql] [--skip-checks] | SqlRunner --config FILE"
                        + " --client-script | SqlRunner --config FILE [--mode M] --checks-only");
        System.exit(2);
    }
}
