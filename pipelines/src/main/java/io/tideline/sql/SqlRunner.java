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
import io.tideline.sql.SqlTests.Check;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
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
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.LogicalType;
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
 * Runs the SQL layer ({@code sql/}) on Flink. The models are the files of {@code staging/} and
 * {@code marts/} ({@link SqlModels}), built in dependency order; their settings and declared tests
 * are in {@code models.yaml}; custom checks are the files of {@code checks/}.
 *
 * <ul>
 *   <li>{@link #runBatch()}: builds the selected table models in one BATCH job, each onto an audit
 *       branch of its Iceberg table (write-audit-publish), runs the tests against the branches, and
 *       publishes only when no {@code error} test failed: {@code main} fast-forwarded to the
 *       branch, then PostgreSQL serving replaced in one transaction per table. A failed build
 *       leaves {@code main} and serving as they were.
 *   <li>{@link #startStreaming()}: submits the STREAMING job that keeps the streaming models
 *       current (upserts, in place); its handle runs the checks on demand or every {@code
 *       sql.checks.interval}.
 * </ul>
 *
 * <p>Every build runs {@code init.sql}, {@code schema.sql} and {@code sources/<mode>.sql}, then
 * registers every model as a temporary view named after it; a table model is also written to its
 * table ({@code marts.<name>}), which the runner creates from the query's schema.
 */
public final class SqlRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SqlRunner.class);
    private static final Pattern SET =
            Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'((?:[^']|'')*)'\\s*");
    private static final Pattern SOURCE_DEFINITION =
            Pattern.compile("(?i)CREATE\\s+TEMPORARY\\s+(?:VIEW|TABLE)\\s+`?(\\w+)`?");
    private static final DateTimeFormatter SQL_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** The Iceberg table the checks' violating rows go to. */
    public static final TableIdentifier VIOLATIONS = TableIdentifier.of("quality", "violations");

    private final TidelineConfig config;
    private final Configuration flink;
    private final SqlConfig sql;
    private final Path dir;
    private final Instant asOf;
    private final SqlModels models;

    /**
     * Loads the models of {@code sql.dir} (an unknown reference or a cycle fails here, naming the
     * files).
     *
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
        if (!Files.isRegularFile(dir.resolve("init.sql"))
                || !Files.isDirectory(dir.resolve("sources"))) {
            throw new IllegalArgumentException(
                    "sql.dir: "
                            + dir
                            + " is not the SQL layer's folder (expected init.sql and sources/ in"
                            + " it)");
        }
        this.models = SqlModels.load(dir, sourceNames(), variables());
        models.select(sql.select()); // an unknown model in sql.select fails here
    }

    /**
     * How late an event may arrive and still count: the sources' {@code allowed-lateness}. The
     * STREAMING sources' watermark trails the newest event time by this much, so that an event
     * ingestion accepted (not routed to the late table, {@code landing.late_events}) also reaches
     * the windowed marts, as a BATCH rebuild counts it: the largest lateness any enabled source
     * with an event time allows ({@code sources.<name>.allowed-lateness}, or {@code
     * ingestion.allowed-lateness}). The one place the SQL layer reads the ingestion configuration.
     */
    static Duration allowedLateness(TidelineConfig config) {
        Duration fallback = config.ingestion().allowedLateness();
        return config.enabledSources().values().stream()
                .filter(s -> s.eventTime() != null)
                .map(s -> s.allowedLatenessOr(fallback))
                .max(Duration::compareTo)
                .orElse(fallback);
    }

    /** The models, in dependency order. */
    public SqlModels models() {
        return models;
    }

    /** The reference instant of the rolling measures and the freshness check. */
    public Instant asOf() {
        return asOf;
    }

    /** Every variable the files may use, for one run. */
    public SqlVariables variables() {
        SqlVariables v = new SqlVariables();
        v.put("CATALOG", config.catalog().name());
        v.put("INGESTION_NAMESPACE", config.ingestion().namespace());
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
        Duration lateness = allowedLateness(config);
        v.put("WATERMARK_DELAY_SECONDS", Long.toString(lateness.toSeconds()));
        v.put(
                "WATERMARK_DELAY",
                String.format(
                        Locale.ROOT,
                        "%d %02d:%02d:%02d.%03d",
                        lateness.toDays(),
                        lateness.toHoursPart(),
                        lateness.toMinutesPart(),
                        lateness.toSecondsPart(),
                        lateness.toMillisPart()));
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

    /**
     * {@code init.sql} for the SQL client, secrets included: the catalog, then the PostgreSQL
     * serving tables of the served models ({@code serving_<model>}, JDBC connector), derived from
     * their schemas. Write it only where the secrets may go.
     */
    public String clientInitScript() {
        SqlVariables v = variables();
        StringBuilder out = new StringBuilder(renderWithSecrets("init.sql"));
        TableEnvironment tEnv = session(RuntimeExecutionMode.BATCH, "client-init", v);
        for (SqlModel m : models.tables()) {
            if (m.serve() != null) {
                String ddl = Serving.flinkTable(m, schema(tEnv, m));
                out.append("\n")
                        .append(v.substitute(new SqlStatement(ddl, "serving", 1)).text())
                        .append(";\n");
            }
        }
        return out.toString();
    }

    /**
     * The BATCH build of the selected table models (and their serving upserts) as one script for
     * the Flink SQL client, to run after {@link #clientInitScript()}: {@code schema.sql}, the
     * tables' DDL, then one {@code EXECUTE STATEMENT SET} whose INSERTs carry the source and model
     * views as common table expressions. The views are inlined because the Flink 2.0.0 SQL client
     * fails to plan queries over temporary views that earlier statements used ("... belongs to a
     * different planner than is currently being used"). The client builds in place: no audit
     * branch. Variables are substituted; secret values come out masked (these files hold none).
     */
    public String clientBuildScript() {
        return clientBuildScript(sql.select());
    }

    /** As {@link #clientBuildScript()}, for the models these selectors pick. */
    public String clientBuildScript(List<String> select) {
        SqlVariables v = variables();
        TableEnvironment tEnv = session(RuntimeExecutionMode.BATCH, "client-script", v);
        StringBuilder ctes = new StringBuilder();
        StringBuilder script = new StringBuilder();
        script.append("SET 'execution.runtime-mode' = 'batch';\n");
        script.append("SET 'table.dml-sync' = 'true';\n");
        for (SqlStatement st : SqlScripts.read(dir.resolve("schema.sql"))) {
            script.append(v.substitute(st).text()).append(";\n");
        }
        for (SqlStatement st : SqlScripts.read(dir.resolve("sources/batch.sql"))) {
            String text = v.substitute(st).text();
            Matcher view = VIEW.matcher(text);
            if (view.matches()) {
                cte(ctes, view.group(1), view.group(2));
            } else {
                script.append(text).append(";\n");
            }
        }
        for (SqlModel m : models.models().values()) {
            cte(
                    ctes,
                    m.name(),
                    v.substitute(new SqlStatement(m.query(), m.file().toString(), 1)).text());
        }
        List<SqlModel> tables = selectedTables(select);
        StringBuilder inserts = new StringBuilder();
        for (SqlModel m : tables) {
            ResolvedSchema schema = schema(tEnv, m);
            script.append(tableDdl(m, schema)).append(";\n");
            String from = "(\n" + ctes + "\nSELECT * FROM " + m.name() + ")";
            inserts.append("INSERT OVERWRITE ")
                    .append(m.tableName())
                    .append(" SELECT * FROM ")
                    .append(from)
                    .append(";\n");
            if (m.serve() != null) {
                inserts.append(Serving.flinkInsert(m, schema, from)).append(";\n");
            }
        }
        script.append("EXECUTE STATEMENT SET\nBEGIN\n").append(inserts).append("END;\n");
        return v.mask(script.toString());
    }

    private static void cte(StringBuilder ctes, String name, String query) {
        ctes.append(ctes.length() == 0 ? "WITH " : ",\n")
                .append(name)
                .append(" AS (\n")
                .append(query)
                .append("\n)");
    }

    private static final Pattern VIEW =
            Pattern.compile("(?is)CREATE\\s+TEMPORARY\\s+VIEW\\s+(\\w+)\\s+AS\\s+(.*)");

    /** Builds the models of {@code sql.select} in BATCH, then tests and publishes them. */
    public SqlRunResult runBatch() {
        return runBatch(sql.select(), sql.checks().enabled());
    }

    /**
     * Builds the table models these selectors pick ({@code name}, {@code name+}; none: every model)
     * in one BATCH job, through write-audit-publish for those with {@code audit} on (the default):
     * each is written to the audit branch {@code audit_<run id>} of its table; the tests of the
     * selected models run against the branches (when {@code checks} is true); when no {@code error}
     * test failed, {@code main} is fast-forwarded to each branch and the served models are replaced
     * in PostgreSQL, one transaction per table. Otherwise nothing is published. The branches are
     * removed either way.
     */
    public SqlRunResult runBatch(List<String> select, boolean checks) {
        String runId = runId(RuntimeExecutionMode.BATCH);
        String branch = "audit_" + runId.replaceAll("[^A-Za-z0-9_]", "_");
        long start = System.nanoTime();
        Set<String> selected = models.select(select);
        List<SqlModel> tables = selectedTables(select);
        SqlVariables v = variables();
        TableEnvironment tEnv = session(RuntimeExecutionMode.BATCH, "build", v);
        Catalog catalog = IcebergCatalogs.open(config);
        List<String> servingDdl = new ArrayList<>();
        Map<String, ResolvedSchema> schemas = new LinkedHashMap<>();
        for (SqlModel m : tables) {
            ResolvedSchema schema = schema(tEnv, m);
            schemas.put(m.name(), schema);
            ensureTable(tEnv, v, m, schema);
            if (m.serve() != null) {
                servingDdl.addAll(Serving.postgresDdl(m, schema));
            }
        }
        Serving.execute(config.postgres(), servingDdl);
        Set<String> audited = new LinkedHashSet<>();
        StatementSet set = tEnv.createStatementSet();
        for (SqlModel m : tables) {
            if (m.audit()) {
                Table table = catalog.loadTable(identifier(m));
                table.manageSnapshots().createBranch(branch).commit();
                // The branch starts empty and the build appends the model's rows: a model whose
                // query returns no rows ends empty, and no partition keeps rows that left it (an
                // overwrite would replace only the partitions it writes, and commits nothing for
                // an empty result).
                table.newDelete()
                        .deleteFromRowFilter(Expressions.alwaysTrue())
                        .toBranch(branch)
                        .commit();
                audited.add(m.name());
                set.addInsertSql(
                        "INSERT INTO "
                                + m.tableSql()
                                + " /*+ OPTIONS('branch' = '"
                                + branch
                                + "') */ SELECT * FROM "
                                + SqlTests.q(m.name()));
            } else {
                set.addInsertSql(
                        "INSERT OVERWRITE "
                                + m.tableSql()
                                + " SELECT * FROM "
                                + SqlTests.q(m.name()));
            }
        }
        LOG.info(
                "SQL layer BATCH build {}: one job of {} INSERT statements ({} onto audit branch"
                        + " {})",
                runId,
                tables.size(),
                audited.size(),
                branch);
        try {
            if (!tables.isEmpty()) {
                await(set, v, "the BATCH build");
            }
            Duration buildTime = Duration.ofNanos(System.nanoTime() - start);
            long checkStart = System.nanoTime();
            List<CheckResult> results =
                    checks
                            ? runChecks(
                                    RuntimeExecutionMode.BATCH,
                                    runId,
                                    branch,
                                    audited,
                                    select == null || select.isEmpty() ? null : selected)
                            : List.of();
            Duration checkTime = Duration.ofNanos(System.nanoTime() - checkStart);
            List<CheckResult> blocking = results.stream().filter(CheckResult::blocking).toList();
            boolean publish = blocking.isEmpty();
            long publishStart = System.nanoTime();
            List<String> published = new ArrayList<>();
            for (SqlModel m : tables) {
                Table table = catalog.loadTable(identifier(m));
                if (audited.contains(m.name())) {
                    if (!publish) {
                        continue;
                    }
                    table.manageSnapshots().fastForwardBranch("main", branch).commit();
                    table.refresh();
                }
                published.add(m.name());
                if (m.serve() != null) {
                    Snapshot current = table.currentSnapshot();
                    Serving.publish(
                            config.postgres(),
                            m,
                            table,
                            current == null ? null : current.snapshotId());
                }
            }
            Duration publishTime = Duration.ofNanos(System.nanoTime() - publishStart);
            if (!publish) {
                LOG.warn(
                        "SQL layer BATCH build {}: NOT published, error tests failed: {}",
                        runId,
                        blocking);
            }
            SqlRunResult result =
                    new SqlRunResult(
                            RuntimeExecutionMode.BATCH,
                            runId,
                            martRows(tables),
                            results,
                            buildTime.plus(publishTime),
                            checkTime,
                            published);
            LOG.info("{}", result.summary());
            return result;
        } finally {
            for (String name : audited) {
                try {
                    Table table = catalog.loadTable(identifier(models.model(name)));
                    table.refresh();
                    if (table.refs().containsKey(branch)) {
                        table.manageSnapshots().removeBranch(branch).commit();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("could not remove the audit branch {} of {}", branch, name, e);
                }
            }
        }
    }

    /**
     * Submits the STREAMING job that keeps the selected models with {@code streaming: true} current
     * (Iceberg upserts on their key, PostgreSQL upserts), and returns its handle. The job runs
     * until the handle is closed. STREAMING writes in place: there is no audit branch; its checks
     * are monitoring (metrics and alerts), not a gate.
     */
    public StreamingBuild startStreaming() {
        return startStreaming(sql.select());
    }

    /** As {@link #startStreaming()}, for the models these selectors pick. */
    public StreamingBuild startStreaming(List<String> select) {
        String runId = runId(RuntimeExecutionMode.STREAMING);
        StreamExecutionEnvironment env =
                FlinkSettings.environment(flink, RuntimeExecutionMode.STREAMING);
        StreamTableEnvironment tEnv =
                tableEnvironment(env, RuntimeExecutionMode.STREAMING, "build");
        SqlVariables v = variables();
        setup(tEnv, v, RuntimeExecutionMode.STREAMING);
        List<SqlModel> tables =
                selectedTables(select).stream().filter(SqlModel::streaming).toList();
        StreamStatementSet set = tEnv.createStatementSet();
        List<String> servingDdl = new ArrayList<>();
        int inserts = 0;
        for (SqlModel m : tables) {
            ResolvedSchema schema = schema(tEnv, m);
            ensureTable(tEnv, v, m, schema);
            set.addInsertSql(
                    "INSERT INTO "
                            + m.tableSql()
                            + " /*+ OPTIONS('upsert-enabled' = 'true') */ SELECT * FROM "
                            + SqlTests.q(m.name()));
            inserts++;
            if (m.serve() != null) {
                servingDdl.addAll(Serving.postgresDdl(m, schema));
                tEnv.executeSql(
                        v.substitute(new SqlStatement(Serving.flinkTable(m, schema), "serving", 1))
                                .text());
                set.addInsertSql(Serving.flinkInsert(m, schema, SqlTests.q(m.name())));
                inserts++;
            }
        }
        Serving.execute(config.postgres(), servingDdl);
        JobClient job;
        try {
            set.attachAsDataStream();
            if (sql.checks().enabled()) {
                QualityMetrics.attach(env, IcebergCatalogs.loader(config), checkNames());
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

    /** The names of every check: the declared tests', then the custom files'. */
    public List<String> checkNames() {
        return new SqlTests(models, sql.checks())
                .checks(t -> t, t -> null, checkFiles(), q -> q).stream().map(Check::name).toList();
    }

    /**
     * Runs every check (declared tests and {@code checks/*.sql}) over the published tables as they
     * are now, in one BATCH job, stores the violating rows in {@code quality.violations} under
     * {@code runId}, and returns each check's result.
     *
     * @param mode the mode of the build the checks follow (recorded with the violations)
     */
    public List<CheckResult> runChecks(RuntimeExecutionMode mode, String runId) {
        return runChecks(mode, runId, null, Set.of(), null);
    }

    /**
     * Runs the checks of the {@code selected} models (all when null), reading the {@code audited}
     * models' tables on {@code branch}.
     */
    private List<CheckResult> runChecks(
            RuntimeExecutionMode mode,
            String runId,
            String branch,
            Set<String> audited,
            Set<String> selected) {
        SqlVariables v = variables();
        TableEnvironment tEnv = session(RuntimeExecutionMode.BATCH, "checks", v);
        Catalog catalog = IcebergCatalogs.open(config);
        String hint = branch == null ? "" : " /*+ OPTIONS('branch' = '" + branch + "') */";
        Function<String, String> relation =
                target -> {
                    SqlModel m = models.models().get(target);
                    if (m == null) {
                        return Arrays.stream(target.split("\\."))
                                .map(SqlTests::q)
                                .collect(Collectors.joining("."));
                    }
                    if (!m.table()) {
                        return SqlTests.q(m.name());
                    }
                    return m.tableSql() + (audited.contains(m.name()) ? hint : "");
                };
        Function<String, Long> previousRows =
                target -> {
                    SqlModel m = models.models().get(target);
                    if (m == null || !m.table() || !catalog.tableExists(identifier(m))) {
                        return null;
                    }
                    return count(catalog.loadTable(identifier(m)));
                };
        Function<String, String> rewrite =
                query -> {
                    String out = query;
                    for (String name : audited) {
                        SqlModel m = models.model(name);
                        out =
                                out.replaceAll(
                                        "(?i)(`?"
                                                + Pattern.quote(m.database())
                                                + "`?\\s*\\.\\s*`?"
                                                + Pattern.quote(m.name())
                                                + "`?)(?![\\w`])",
                                        "$1" + Matcher.quoteReplacement(hint));
                    }
                    return out;
                };
        List<Check> all =
                new SqlTests(models, sql.checks())
                        .checks(relation, previousRows, checkFiles(), rewrite);
        List<Check> toRun =
                selected == null
                        ? all
                        : all.stream()
                                .filter(c -> c.models().stream().anyMatch(selected::contains))
                                .toList();
        Instant checkedAt = Instant.now();
        StatementSet set = tEnv.createStatementSet();
        Map<String, String> severities = new LinkedHashMap<>();
        for (Check check : toRun) {
            SqlStatement st = v.substitute(new SqlStatement(check.query(), check.source(), 1));
            try {
                List<String> columns =
                        tEnv.sqlQuery(st.text()).getResolvedSchema().getColumnNames();
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
                                + SqlVariables.literal(check.name())
                                + "', '"
                                + runId
                                + "', '"
                                + mode
                                + "', CAST('"
                                + SQL_TIMESTAMP.format(checkedAt)
                                + "' AS TIMESTAMP_LTZ(6)), JSON_OBJECT("
                                + json
                                + ") FROM ("
                                + st.text()
                                + ") AS violating_rows");
            } catch (RuntimeException e) {
                throw SqlRunException.of(check.source(), e, v);
            }
            severities.put(check.name(), check.severity());
        }
        if (!severities.isEmpty()) {
            await(set, v, "the checks");
        }
        List<CheckResult> results = readViolations(runId, severities);
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

    /** The rows of each table model, as the catalog's {@code main} holds them now. */
    public Map<String, Long> martRows() {
        return martRows(models.tables());
    }

    private Map<String, Long> martRows(List<SqlModel> tables) {
        Catalog catalog = IcebergCatalogs.open(config);
        Map<String, Long> rows = new LinkedHashMap<>();
        for (SqlModel m : tables) {
            TableIdentifier id = identifier(m);
            rows.put(m.name(), catalog.tableExists(id) ? count(catalog.loadTable(id)) : 0L);
        }
        return rows;
    }

    private static TableIdentifier identifier(SqlModel m) {
        return TableIdentifier.of(m.database(), m.name());
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

    private List<CheckResult> readViolations(String runId, Map<String, String> severities) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, List<String>> samples = new LinkedHashMap<>();
        severities
                .keySet()
                .forEach(
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
        counts.forEach(
                (name, n) ->
                        out.add(
                                new CheckResult(
                                        name,
                                        n,
                                        samples.get(name),
                                        severities.getOrDefault(name, "error"))));
        return out;
    }

    /** The custom check files ({@code checks/*.sql}), in name order. */
    public List<Path> checkFiles() {
        return sorted(dir.resolve("checks"));
    }

    static String checkName(Path file) {
        return SqlModels.baseName(file);
    }

    private List<SqlModel> selectedTables(List<String> select) {
        Set<String> selected = models.select(select);
        return models.tables().stream().filter(m -> selected.contains(m.name())).toList();
    }

    private Set<String> sourceNames() {
        Set<String> names = new TreeSet<>();
        for (String mode : List.of("batch", "streaming")) {
            Path f = dir.resolve("sources/" + mode + ".sql");
            if (Files.isRegularFile(f)) {
                for (SqlStatement s : SqlScripts.read(f)) {
                    Matcher m = SOURCE_DEFINITION.matcher(s.text());
                    if (m.lookingAt()) {
                        names.add(m.group(1).toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        return names;
    }

    private static List<Path> sorted(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    /** A table environment with the setup files run and every model registered as a view. */
    private TableEnvironment session(RuntimeExecutionMode mode, String purpose, SqlVariables v) {
        TableEnvironment tEnv = tableEnvironment(mode, purpose);
        setup(tEnv, v, mode);
        return tEnv;
    }

    private void setup(TableEnvironment tEnv, SqlVariables v, RuntimeExecutionMode mode) {
        List<Path> files =
                List.of(
                        dir.resolve("init.sql"),
                        dir.resolve("schema.sql"),
                        dir.resolve("sources/" + mode.name().toLowerCase(Locale.ROOT) + ".sql"));
        execute(tEnv, v, files);
        for (SqlModel m : models.models().values()) {
            SqlStatement query = v.substitute(new SqlStatement(m.query(), m.file().toString(), 1));
            try {
                tEnv.executeSql(
                        "CREATE TEMPORARY VIEW " + SqlTests.q(m.name()) + " AS\n" + query.text());
            } catch (RuntimeException e) {
                throw SqlRunException.of(dir.relativize(m.file()).toString(), e, v);
            }
        }
    }

    private static ResolvedSchema schema(TableEnvironment tEnv, SqlModel m) {
        ResolvedSchema schema = tEnv.from(SqlTests.q(m.name())).getResolvedSchema();
        List<String> names = schema.getColumnNames();
        for (String k : m.key()) {
            if (!names.contains(k)) {
                throw new IllegalArgumentException(
                        m.file()
                                + ": key column '"
                                + k
                                + "' is not a column of the query "
                                + names);
            }
        }
        if (m.serve() != null) {
            for (String k : m.serve().key()) {
                if (!names.contains(k)) {
                    throw new IllegalArgumentException(
                            m.file() + ": serve key column '" + k + "' is not a column " + names);
                }
            }
        }
        return schema;
    }

    /** {@code CREATE TABLE IF NOT EXISTS} of a table model, from its query's schema. */
    static String tableDdl(SqlModel m, ResolvedSchema schema) {
        List<String> cols = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            LogicalType t = c.getDataType().getLogicalType().copy(!m.key().contains(c.getName()));
            cols.add(SqlTests.q(c.getName()) + " " + t.asSerializableString());
        }
        if (!m.key().isEmpty()) {
            cols.add(
                    "PRIMARY KEY ("
                            + m.key().stream().map(SqlTests::q).collect(Collectors.joining(", "))
                            + ") NOT ENFORCED");
        }
        return "CREATE TABLE IF NOT EXISTS "
                + m.tableSql()
                + " (\n  "
                + String.join(",\n  ", cols)
                + "\n)"
                + (m.partitionBy().isEmpty()
                        ? ""
                        : " PARTITIONED BY ("
                                + m.partitionBy().stream()
                                        .map(SqlTests::q)
                                        .collect(Collectors.joining(", "))
                                + ")")
                + " WITH ('format-version' = '2')";
    }

    private static void ensureTable(
            TableEnvironment tEnv, SqlVariables v, SqlModel m, ResolvedSchema schema) {
        try {
            tEnv.executeSql("CREATE DATABASE IF NOT EXISTS " + SqlTests.q(m.database()));
            tEnv.executeSql(tableDdl(m, schema));
        } catch (RuntimeException e) {
            throw SqlRunException.of(m.file() + " (its table " + m.tableName() + ")", e, v);
        }
    }

    /**
     * Executes the statements of {@code files} in order: SET into the session, everything else at
     * once; an INSERT or a query there is an error.
     */
    private static void execute(TableEnvironment tEnv, SqlVariables v, List<Path> files) {
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
                        case INSERT ->
                                throw new IllegalArgumentException(
                                        "an INSERT in a setup file: the runner writes the table"
                                                + " models itself (see models.yaml)");
                        case QUERY ->
                                throw new IllegalArgumentException(
                                        "a query in a setup file: queries belong in staging/,"
                                                + " marts/, checks/ or queries/");
                        case OTHER -> tEnv.executeSql(s.text());
                    }
                } catch (RuntimeException e) {
                    throw SqlRunException.of(s.where(), e, v);
                }
            }
        }
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
     * {@code --config FILE --mode BATCH|STREAMING [--select a,b+] [--skip-checks]}, or {@code
     * --config FILE --client-script} to print {@link #clientBuildScript()}, or {@code --config FILE
     * --checks-only} to run only the checks (exit 1 when one fails; for STREAMING deployments
     * submitted detached, where the checks run on a schedule of their own).
     *
     * <p>{@code --select} picks models as dbt does: {@code customer_360} (that model), {@code
     * stg_orders+} (that model and everything downstream of it); default {@code sql.select}, or
     * every model. BATCH exits 1 when an {@code error} test fails (nothing is published then; and
     * {@code sql.checks.fail-batch} is true). STREAMING runs until stopped, running the checks
     * every {@code sql.checks.interval}.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "--mode", "--select" -> {
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
        List<String> select =
                opts.containsKey("--select")
                        ? Arrays.stream(opts.get("--select").split(","))
                                .map(String::strip)
                                .filter(x -> !x.isEmpty())
                                .toList()
                        : config.sql().select();
        if (opts.containsKey("--client-script")) {
            System.out.print(runner.clientBuildScript(select));
            return;
        }
        if (opts.containsKey("--checks-only")) {
            // The checks of a STREAMING deployment, run on a schedule next to the job.
            List<CheckResult> results = runner.runChecks(mode, runId(RuntimeExecutionMode.BATCH));
            results.forEach(System.out::println);
            boolean passed = results.stream().noneMatch(CheckResult::blocking);
            if (!passed) {
                LOG.warn("ALERT data-quality checks failed: {}", results);
                System.exit(1);
            }
            return;
        }
        boolean checks = config.sql().checks().enabled() && !opts.containsKey("--skip-checks");
        if (mode == RuntimeExecutionMode.BATCH) {
            SqlRunResult result = runner.runBatch(select, checks);
            System.out.println(result.summary());
            if (!result.passed() && config.sql().checks().failBatch()) {
                System.exit(1);
            }
            return;
        }
        StreamingBuild build = runner.startStreaming(select);
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
                        + "usage: SqlRunner --config FILE --mode BATCH|STREAMING [--select"
                        + " model,model+] [--skip-checks] | SqlRunner --config FILE"
                        + " --client-script | SqlRunner --config FILE [--mode M] --checks-only");
        System.exit(2);
    }
}
