/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.Durations;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestJob;
import io.tideline.local.Folders;
import io.tideline.local.LocalFlink;
import io.tideline.local.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The postgres-cdc benchmark (issue 12), on the embedded PostgreSQL (wal_level=logical), a Flink
 * MiniCluster with parallelism 2 and an Iceberg Hadoop catalog on a local warehouse:
 *
 * <ol>
 *   <li>(a) the snapshot rate of an N-row table (rows/s, from the job's start to the last row
 *       committed to the keyed Iceberg table), side by side with (b) a plain JDBC scan of the same
 *       table (every value read as text, cursor pages of 10,000, nothing written) and (c) the same
 *       table through the existing {@code kind: jdbc} source (cursor {@code [id]}, BATCH) into
 *       Iceberg, (d) Flink SQL's {@code jdbc} connector into an Iceberg append, and (e) the
 *       postgres-cdc reader alone, into a discarding sink;
 *   <li>the change-to-visible latency at R changes/s for S seconds (single-row transactions, 80%
 *       updates, 20% inserts): the Iceberg commit that appended the change to the change log minus
 *       the change's commit time in PostgreSQL, p50 and p99.
 * </ol>
 *
 * Not run by {@code verify}; see pipelines/benchmarks/CDC.md for the command and the results.
 */
public final class CdcBenchmark {

    public static void main(String[] args) throws Exception {
        long rows = 1_000_000;
        int rate = 1_000;
        int seconds = 30;
        Duration interval = Duration.ofSeconds(2);
        Path dir = Path.of("target/bench-cdc");
        Map<String, String> changelogProperties = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--checkpoint-interval" -> interval = Durations.parse(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--changelog-property" ->
                        BenchTables.property(changelogProperties, args[i], args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        dir = Folders.fresh(dir.toAbsolutePath());
        StringBuilder report = new StringBuilder();
        try (LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), 0)) {
            pg.createDatabase("bench");
            io.tideline.config.FlinkConfig fc =
                    new io.tideline.config.FlinkConfig(2, interval, null, false, 0, Map.of());
            try (LocalFlink flink = LocalFlink.start(fc, 8)) {
                run(dir, pg, flink, rows, rate, seconds, interval, changelogProperties, report);
            }
        }
        System.out.println(report);
        Files.writeString(dir.resolve("results.md"), report.toString());
    }

    private static TidelineConfig config(Path dir, LocalPostgres pg, Duration interval) {
        String yaml =
                String.join(
                        "\n",
                        "postgres:",
                        "  embedded: false",
                        "  host: " + pg.host(),
                        "  port: " + pg.port(),
                        "  database: bench",
                        "catalog:",
                        "  name: tideline",
                        "  type: hadoop",
                        "  warehouse: warehouse",
                        "flink:",
                        "  parallelism: 2",
                        "  checkpoint-interval: " + Durations.format(interval),
                        "sources:",
                        "  accounts:",
                        "    kind: postgres-cdc",
                        "    source-table: app.accounts",
                        "    key: [id]",
                        "    columns:",
                        "      id:        {type: bigint, required: true}",
                        "      email:     {type: string}",
                        "      balance:   {type: 'decimal(12,2)'}",
                        "      status:    {type: string}",
                        "      opened_at: {type: timestamp}",
                        "  accounts_jdbc:",
                        "    kind: jdbc",
                        "    source-table: app.accounts",
                        "    cursor: [id]",
                        "    batch-size: 10000",
                        "    key: [id]",
                        "    columns:",
                        "      id:        {type: bigint, required: true}",
                        "      email:     {type: string}",
                        "      balance:   {type: 'decimal(12,2)'}",
                        "      status:    {type: string}",
                        "      opened_at: {type: timestamp}",
                        "");
        return new ConfigLoader(System::getenv).parse(yaml, "bench.yaml", dir);
    }

    private static void run(
            Path dir,
            LocalPostgres pg,
            LocalFlink flink,
            long rows,
            int rate,
            int seconds,
            Duration interval,
            Map<String, String> changelogProperties,
            StringBuilder report)
            throws Exception {
        String url = pg.jdbcUrl("bench");
        try (Connection db = DriverManager.getConnection(url, "postgres", "");
                Statement st = db.createStatement()) {
            st.execute(
                    "CREATE SCHEMA app; CREATE TABLE app.accounts (id BIGINT PRIMARY KEY, email"
                            + " TEXT NOT NULL, balance NUMERIC(12,2), status TEXT, opened_at"
                            + " TIMESTAMPTZ NOT NULL DEFAULT now())");
            long t = System.nanoTime();
            st.execute(
                    "INSERT INTO app.accounts SELECT g, 'user' || g || '@example.com', (g % 100000)"
                            + " / 100.0, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'vip' END, now() -"
                            + " (g || ' seconds')::interval FROM generate_series(1, "
                            + rows
                            + ") g");
            st.execute("VACUUM ANALYZE app.accounts");
            log("%d rows loaded in %.1f s", rows, seconds(t));
        }
        double scan = jdbcScan(url, rows);
        TidelineConfig config = config(dir, pg, interval);
        long tj = System.nanoTime();
        new IngestJob(config, flink.clientConfiguration(config.flink()))
                .onlySources(List.of("accounts_jdbc"))
                .runBatch();
        double cursorRate = rows / seconds(tj);
        log("kind jdbc, BATCH, into Iceberg: %.0f rows/s", cursorRate);
        double plainRate = plainSql(config, flink.clientConfiguration(config.flink()), url, rows);
        double[] reader = readerOnly(config, flink.clientConfiguration(config.flink()), rows);
        TableIdentifier tableId = TableIdentifier.of(config.ingestion().namespace(), "accounts");
        TableIdentifier changelogId = io.tideline.ingest.IngestTables.changelog(tableId);
        if (!changelogProperties.isEmpty()) {
            BenchTables.createWithProperties(
                    config, List.of("accounts"), Map.of(), changelogProperties);
            log("properties of the change log: %s", changelogProperties);
        }
        IngestJob job =
                new IngestJob(config, flink.clientConfiguration(config.flink()))
                        .onlySources(List.of("accounts"));
        long t0 = System.nanoTime();
        double snapshotRate;
        double readRate;
        String deleteFiles;
        long[] latencies;
        long changes;
        try (IngestJob.Running running = job.startStreaming()) {
            Table table = IcebergCatalogs.open(config).loadTable(tableId);
            while (records(table) < rows) {
                Thread.sleep(200);
            }
            double took = seconds(t0);
            snapshotRate = rows / took;
            log("snapshot: %d rows in Iceberg after %.1f s: %.0f rows/s", rows, took, snapshotRate);
            long tr = System.nanoTime();
            long read = 0;
            try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
                for (Record ignored : all) {
                    read++;
                }
            }
            readRate = read / seconds(tr);
            deleteFiles = table.currentSnapshot().summary().getOrDefault("total-delete-files", "0");
            log(
                    "read of the keyed table: %d rows at %.0f rows/s, %s delete files",
                    read, readRate, deleteFiles);
            double scanAfter = jdbcScan(url, rows);
            scan = Math.max(scan, scanAfter);
            changes = changes(url, rows, rate, seconds);
            Table changelog = IcebergCatalogs.open(config).loadTable(changelogId);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (records(changelog) < rows + changes) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the change log did not catch up");
                }
                Thread.sleep(200);
            }
            latencies = visibleAfter(changelog);
        }
        Arrays.sort(latencies);
        long p50 = latencies[latencies.length / 2];
        long p99 = latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))];
        long max = latencies[latencies.length - 1];
        report.append("| Measure | Value | Goal |\n|---|---|---|\n");
        report.append(
                String.format(
                        "| (a) postgres-cdc snapshot, %d rows into Iceberg | %.0f rows/s | ≥ 0.8 ×"
                                + " (b) |%n",
                        rows, snapshotRate));
        report.append(String.format("| (b) plain JDBC scan, same table | %.0f rows/s | |%n", scan));
        report.append(
                String.format(
                        "| (c) the same table by `kind: jdbc` (cursor `[id]`, BATCH) into Iceberg |"
                                + " %.0f rows/s | |%n",
                        cursorRate));
        report.append(
                String.format(
                        "| (d) plain Flink SQL, BATCH: `jdbc` connector scan → Iceberg append, no"
                                + " validation | %.0f rows/s | |%n",
                        plainRate));
        report.append(
                String.format(
                        "| (e) the postgres-cdc reader alone: its bounded snapshot into a"
                                + " discarding sink, nothing validated or written: from the job's"
                                + " submission; from its first row to its last | %.0f rows/s;"
                                + " %.0f rows/s | |%n",
                        reader[0], reader[1]));
        report.append(String.format("| (e)/(b), first row to last | %.2f | |%n", reader[1] / scan));
        report.append(String.format("| (a)/(c) | %.2f | |%n", snapshotRate / cursorRate));
        report.append(String.format("| (a)/(d) | %.2f | |%n", snapshotRate / plainRate));
        report.append(
                String.format(
                        "| full read of the keyed table after the snapshot (%s delete files) |"
                                + " %.0f rows/s | |%n",
                        deleteFiles, readRate));
        report.append(
                String.format(
                        "| (a)/(b) | %.2f | %s |%n",
                        snapshotRate / scan, snapshotRate / scan >= 0.8 ? "met" : "not met"));
        report.append(
                String.format(
                        "| changes at %d/s for %d s, checkpoint %s | %d changes (%d measured) |"
                                + " |%n",
                        rate, seconds, Durations.format(interval), changes, latencies.length));
        report.append(
                String.format(
                        "| change-to-visible p50 / p99 / max | %d / %d / %d ms | p99 ≤ %d ms: %s"
                                + " |%n",
                        p50,
                        p99,
                        max,
                        interval.toMillis() + 2000,
                        p99 <= interval.toMillis() + 2000 ? "met" : "not met"));
    }

    /** Records (e) counted, in this JVM (the MiniCluster runs in it). */
    private static final java.util.concurrent.atomic.LongAdder READ =
            new java.util.concurrent.atomic.LongAdder();

    /** When (e)'s first and last records passed (nanoTime); one subtask writes them. */
    private static volatile long firstRead;

    private static volatile long lastRead;

    /**
     * (e) The reader alone: the source's bounded snapshot (its own slot, created with an exported
     * snapshot, then {@code SELECT *} in pages, each row written as JSON) into a discarding sink,
     * in BATCH, nothing validated or written: rows/s from the job's submission, and from its first
     * row to its last. Its slot and publication are dropped after.
     */
    private static double[] readerOnly(TidelineConfig config, Configuration flink, long rows)
            throws Exception {
        String name = "accounts_reader";
        io.tideline.config.SourceConfig s = config.sources().get("accounts");
        io.tideline.ingest.cdc.CdcPreflight.Table table =
                io.tideline.ingest.cdc.CdcPreflight.check(
                        name, config.postgres(), s, List.of("id"));
        io.tideline.ingest.cdc.CdcCatchUp run =
                io.tideline.ingest.cdc.CdcCatchUp.plan(
                        name, config.postgres(), s.slotOr(name), false);
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
                io.tideline.flink.FlinkSettings.environment(
                        flink, org.apache.flink.api.common.RuntimeExecutionMode.BATCH);
        READ.reset();
        firstRead = 0;
        env.fromSource(
                        io.tideline.ingest.cdc.CdcSource.bounded(
                                name, config.postgres(), s, table, run.endLsn(), run.resumeFrom()),
                        org.apache.flink.api.common.eventtime.WatermarkStrategy.noWatermarks(),
                        "reader")
                .setParallelism(1)
                .map(
                        r -> {
                            long now = System.nanoTime();
                            if (firstRead == 0) {
                                firstRead = now;
                            }
                            lastRead = now;
                            READ.increment();
                            return r.payload().length;
                        })
                .setParallelism(1)
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                .setParallelism(1);
        long t = System.nanoTime();
        env.execute("cdc reader alone");
        double rate = READ.sum() / seconds(t);
        if (READ.sum() != rows) {
            throw new IllegalStateException("the reader read " + READ.sum() + " rows, not " + rows);
        }
        double scanRate = READ.sum() / ((lastRead - firstRead) / 1e9);
        log(
                "the postgres-cdc reader alone: %d rows at %.0f rows/s from the job's submission,"
                        + " %.0f rows/s from its first row to its last",
                READ.sum(), rate, scanRate);
        try (Connection db =
                        DriverManager.getConnection(
                                config.postgres().jdbcUrl(),
                                config.postgres().connectionProperties());
                Statement st = db.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot('" + s.slotOr(name) + "')");
            st.execute("DROP PUBLICATION " + s.publicationOr(name));
        }
        return new double[] {rate, scanRate};
    }

    /**
     * (d) The same table by hand: Flink SQL's {@code jdbc} connector scanning it into an Iceberg
     * table, appended, nothing validated, in BATCH: rows/s.
     */
    private static double plainSql(
            TidelineConfig config, Configuration flink, String url, long rows) throws Exception {
        StreamTableEnvironment tEnv = BenchSql.batch(config, flink);
        tEnv.executeSql(
                "CREATE TABLE IF NOT EXISTS tideline.bench.plain_accounts (id BIGINT, email STRING,"
                        + " balance DECIMAL(12, 2), status STRING, opened_at TIMESTAMP(6)) WITH"
                        + " ('format-version' = '2')");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE pg_accounts (id BIGINT, email STRING, balance DECIMAL(12,"
                        + " 2), status STRING, opened_at TIMESTAMP(6)) WITH ('connector' ="
                        + " 'jdbc', 'url' = '"
                        + url
                        + "', 'table-name' = 'app.accounts', 'username' = 'postgres', 'password' ="
                        + " 'unused',"
                        + " 'scan.fetch-size' = '10000')");
        long t = System.nanoTime();
        tEnv.executeSql("INSERT INTO tideline.bench.plain_accounts SELECT * FROM pg_accounts")
                .await();
        double rate = rows / seconds(t);
        Table table =
                IcebergCatalogs.open(config)
                        .loadTable(TableIdentifier.of("bench", "plain_accounts"));
        long written = records(table);
        log("plain SQL jdbc -> Iceberg, BATCH: %d rows at %.0f rows/s", written, rate);
        if (written != rows) {
            throw new IllegalStateException(
                    "plain SQL wrote " + written + " rows, expected " + rows);
        }
        return rate;
    }

    /** Reads every row's values as text, pages of 10,000: rows/s. */
    private static double jdbcScan(String url, long rows) throws Exception {
        try (Connection db = DriverManager.getConnection(url, "postgres", "")) {
            db.setAutoCommit(false);
            long t = System.nanoTime();
            long n = 0;
            long chars = 0;
            try (Statement st = db.createStatement()) {
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery("SELECT * FROM app.accounts")) {
                    int cols = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= cols; i++) {
                            String v = rs.getString(i);
                            chars += v == null ? 0 : v.length();
                        }
                        n++;
                    }
                }
            }
            db.commit();
            double rate = n / seconds(t);
            log("JDBC scan: %d rows (%d chars) at %.0f rows/s", n, chars, rate);
            if (n != rows) {
                throw new IllegalStateException("scanned " + n + " rows, expected " + rows);
            }
            return rate;
        }
    }

    /** Single-row transactions at {@code rate}/s for {@code seconds}: 80% updates, 20% inserts. */
    private static long changes(String url, long rows, int rate, int seconds) throws Exception {
        Random random = new Random(12);
        long next = rows + 1;
        long n = 0;
        long total = (long) rate * seconds;
        try (Connection db = DriverManager.getConnection(url, "postgres", "");
                Statement st = db.createStatement()) {
            long start = System.nanoTime();
            for (; n < total; n++) {
                long due = start + n * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (random.nextInt(5) == 0) {
                    st.execute(
                            "INSERT INTO app.accounts (id, email, status) VALUES ("
                                    + next++
                                    + ", 'new@example.com', 'new')");
                } else {
                    st.execute(
                            "UPDATE app.accounts SET balance = balance + 1 WHERE id = "
                                    + (1
                                            + random.nextInt(
                                                    (int) Math.min(rows, Integer.MAX_VALUE))));
                }
            }
            double took = seconds(start);
            log("%d changes in %.1f s: %.0f/s", n, took, n / took);
        }
        return n;
    }

    private static long records(Table table) {
        table.refresh();
        Snapshot s = table.currentSnapshot();
        return s == null ? 0 : Long.parseLong(s.summary().getOrDefault("total-records", "0"));
    }

    /** For every change (not the snapshot rows): its Iceberg commit time minus its commit time. */
    private static long[] visibleAfter(Table table) throws Exception {
        List<Snapshot> snapshots = new ArrayList<>();
        table.snapshots().forEach(snapshots::add);
        snapshots.sort((x, y) -> Long.compare(x.sequenceNumber(), y.sequenceNumber()));
        List<Long> latencies = new ArrayList<>();
        for (Snapshot s : snapshots) {
            IcebergGenerics.ScanBuilder scan =
                    s.parentId() == null
                            ? IcebergGenerics.read(table).useSnapshot(s.snapshotId())
                            : IcebergGenerics.read(table)
                                    .appendsBetween(s.parentId(), s.snapshotId());
            try (CloseableIterable<Record> rows = scan.select("op", "commit_time").build()) {
                for (Record r : rows) {
                    if ("snapshot".equals(r.getField("op"))) {
                        continue;
                    }
                    OffsetDateTime committed = (OffsetDateTime) r.getField("commit_time");
                    latencies.add(s.timestampMillis() - committed.toInstant().toEpochMilli());
                }
            }
        }
        return latencies.stream().mapToLong(Long::longValue).toArray();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[cdc-bench] " + format + "%n", args);
    }
}
