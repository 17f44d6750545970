/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.FlinkRestMetrics;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.ingest.SourceCounts;
import io.tideline.local.LocalPostgres;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kind: postgres-cdc} against a real PostgreSQL with logical replication, a MiniCluster and
 * an Iceberg warehouse: the snapshot then the stream, deletes, a late-committing transaction,
 * failures mid-stream, and the refusals at start.
 */
@ExtendWith(TidelineExtension.class)
class PostgresCdcIT {

    private static final String DDL =
            "CREATE SCHEMA IF NOT EXISTS app; CREATE TABLE app.accounts (id BIGINT PRIMARY KEY,"
                    + " email TEXT NOT NULL, balance NUMERIC(12,2), status TEXT, opened_at"
                    + " TIMESTAMPTZ NOT NULL DEFAULT now())";

    private static String source(String table) {
        return String.join(
                "\n",
                "sources:",
                "  accounts:",
                "    kind: postgres-cdc",
                "    source-table: " + table,
                "    key: [id]",
                "    columns:",
                "      id:        {type: bigint, required: true}",
                "      email:     {type: string}",
                "      balance:   {type: 'decimal(12,2)'}",
                "      status:    {type: string}",
                "      opened_at: {type: timestamp}",
                "");
    }

    /** The default slot and publication names (slots are shared by the whole server). */
    private static TidelineConfig config(TestParts parts) {
        return IngestFixtures.config(parts, "warehouse", source("app.accounts"));
    }

    /** A slot of this test's own. */
    private static TidelineConfig ownSlot(TestParts parts) {
        return IngestFixtures.config(
                parts, "warehouse", source("app.accounts") + "    slot: cdc_" + parts.id() + "\n");
    }

    /** What pipelines/README.md says to run when a source is removed; the slot is then gone. */
    private static void dropSlotAndPublication(TestParts parts, String slot, String publication)
            throws SQLException {
        IngestFixtures.dropSlotAndPublication(parts, slot, publication);
        try (Connection db = parts.connect()) {
            assertThat(slotConfirmed(db, slot)).isNull();
        }
    }

    private static TableIdentifier table(TidelineConfig config) {
        return TableIdentifier.of(config.ingestion().namespace(), "accounts");
    }

    private static TableIdentifier changelog(TidelineConfig config) {
        return TableIdentifier.of(config.ingestion().namespace(), "accounts_changelog");
    }

    private static void exec(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute(sql);
        }
    }

    /** The source table, id to "email|balance|status". */
    private static Map<String, String> sourceRows(Connection db) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Statement st = db.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT id, email, balance, status FROM app.accounts")) {
            while (rs.next()) {
                BigDecimal b = rs.getBigDecimal(3);
                out.put(
                        rs.getString(1),
                        rs.getString(2)
                                + "|"
                                + (b == null ? null : b.toPlainString())
                                + "|"
                                + rs.getString(4));
            }
        }
        return out;
    }

    /** The keyed Iceberg table, as {@link #sourceRows}. */
    private static Map<String, String> lakeRows(TidelineConfig config) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (Map<String, String> r : IngestFixtures.rows(config, table(config))) {
            String previous =
                    out.put(
                            r.get("id"),
                            r.get("email") + "|" + r.get("balance") + "|" + r.get("status"));
            assertThat(previous).as("key %s twice in the keyed table", r.get("id")).isNull();
        }
        return out;
    }

    /** The delete files of the keyed table's current snapshot. */
    private static long deleteFiles(TidelineConfig config) {
        org.apache.iceberg.Table t = IcebergCatalogs.open(config).loadTable(table(config));
        return Long.parseLong(
                t.currentSnapshot().summary().getOrDefault("total-delete-files", "0"));
    }

    /** One change of the change log. */
    record Change(String id, String op, long lsn, int seq, String commitTime, String email) {}

    /** The change log, in commit order (commit LSN, then order within the transaction). */
    private static List<Change> changes(TidelineConfig config) throws IOException {
        List<Change> out = new ArrayList<>();
        for (Map<String, String> r : IngestFixtures.rows(config, changelog(config))) {
            String pos = r.get("source_position");
            out.add(
                    new Change(
                            r.get("id"),
                            r.get("op"),
                            Long.parseLong(r.get("lsn")),
                            Integer.parseInt(pos.substring(pos.lastIndexOf('/') + 1)),
                            r.get("commit_time"),
                            r.get("email")));
        }
        out.sort(Comparator.comparingLong(Change::lsn).thenComparingInt(Change::seq));
        return out;
    }

    /** Per key, its operations in commit order. */
    private static Map<String, List<String>> opsByKey(List<Change> changes) {
        Map<String, List<String>> out = new TreeMap<>();
        for (Change c : changes) {
            out.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(c.op());
        }
        return out;
    }

    private static void record(Map<String, List<String>> expected, long id, String op) {
        expected.computeIfAbsent(String.valueOf(id), k -> new ArrayList<>()).add(op);
    }

    private static String slotConfirmed(Connection db, String slot) throws SQLException {
        try (PreparedStatement st =
                db.prepareStatement(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE"
                                + " slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static long lsnNumber(String lsn) {
        return org.postgresql.replication.LogSequenceNumber.valueOf(lsn).asLong();
    }

    /** Fails every row: a BATCH run that never reaches its Iceberg commit. */
    static final class AlwaysFail implements MapFunction<RowData, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(RowData row) {
            throw new IllegalStateException("injected failure");
        }
    }

    private static void assertBalanced(SourceCounts c, long read) {
        assertThat(c.read()).as(c.toString()).isEqualTo(read);
        assertThat(c.balanced()).as(c.toString()).isTrue();
        assertThat(c.accepted()).as(c.toString()).isEqualTo(read);
    }

    @Test
    @Timeout(300)
    void batchRunsSnapshotThenCatchUpAndAFailedRunLeavesTheSlotWhereItWas(TestParts parts)
            throws Exception {
        TidelineConfig config = ownSlot(parts);
        String slot = "cdc_" + parts.id();
        Map<String, List<String>> expected = new TreeMap<>();
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            for (int i = 1; i <= 20; i++) {
                exec(
                        db,
                        "INSERT INTO app.accounts (id, email, balance, status) VALUES ("
                                + i
                                + ", 'a"
                                + i
                                + "@x.io', "
                                + i
                                + ".50, 'open')");
                record(expected, i, "snapshot");
            }
        }

        // 1. The first BATCH run takes the snapshot, creating the slot, and ends.
        IngestSummary first = new IngestJob(config, parts.flink(config)).runBatch();
        assertBalanced(first.of("accounts"), 20);
        Map<String, String> afterSnapshot;
        String confirmedAfterSnapshot;
        try (Connection db = parts.connect()) {
            afterSnapshot = sourceRows(db);
            assertThat(lakeRows(config)).isEqualTo(afterSnapshot).hasSize(20);
            confirmedAfterSnapshot = slotConfirmed(db, slot);
            assertThat(confirmedAfterSnapshot).isNotNull();
            assertThat(opsByKey(changes(config))).isEqualTo(expected);

            // Inserts, updates and deletes; one key inserted and deleted, one updated twice, in
            // one transaction.
            for (int i = 21; i <= 25; i++) {
                exec(
                        db,
                        "INSERT INTO app.accounts (id, email, balance, status) VALUES ("
                                + i
                                + ", 'b"
                                + i
                                + "@x.io', NULL, 'new')");
                record(expected, i, "insert");
            }
            for (int i = 1; i <= 5; i += 2) {
                exec(db, "UPDATE app.accounts SET balance = 99.99, status = 'vip' WHERE id = " + i);
                record(expected, i, "update");
            }
            for (int i = 2; i <= 4; i += 2) {
                exec(db, "DELETE FROM app.accounts WHERE id = " + i);
                record(expected, i, "delete");
            }
            exec(
                    db,
                    "BEGIN; UPDATE app.accounts SET status = 'x' WHERE id = 7; UPDATE app.accounts"
                            + " SET status = 'y' WHERE id = 7; INSERT INTO app.accounts (id, email)"
                            + " VALUES (26, 'c26@x.io'); DELETE FROM app.accounts WHERE id = 26;"
                            + " COMMIT");
            record(expected, 7, "update");
            record(expected, 7, "update");
            record(expected, 26, "insert");
            record(expected, 26, "delete");
        }

        // 2. A run that fails before its commit: no table changes, the slot stays.
        assertThatThrownBy(
                        () ->
                                new IngestJob(config, parts.flink(config))
                                        .withTap("accounts", new AlwaysFail())
                                        .runBatch())
                .isInstanceOf(Exception.class);
        try (Connection db = parts.connect()) {
            assertThat(slotConfirmed(db, slot)).isEqualTo(confirmedAfterSnapshot);
        }
        assertThat(lakeRows(config)).isEqualTo(afterSnapshot);
        assertThat(changes(config)).hasSize(20);

        // 3. The rerun catches up exactly: the lake equals the source, row for row, the change
        // log holds every operation once, in commit order per key, and the slot moved on.
        IngestSummary third = new IngestJob(config, parts.flink(config)).runBatch();
        assertBalanced(third.of("accounts"), 14);
        try (Connection db = parts.connect()) {
            Map<String, String> source = sourceRows(db);
            assertThat(source).doesNotContainKeys("2", "4", "26").containsKey("25");
            assertThat(source.get("7")).endsWith("|y");
            assertThat(lakeRows(config)).isEqualTo(source);
            assertThat(opsByKey(changes(config))).isEqualTo(expected);
            assertThat(lsnNumber(slotConfirmed(db, slot)))
                    .isGreaterThan(lsnNumber(confirmedAfterSnapshot));

            // 4. Nothing changed since: a run reads nothing and changes nothing.
            IngestSummary fourth = new IngestJob(config, parts.flink(config)).runBatch();
            assertThat(fourth.of("accounts").read()).isZero();
            assertThat(lakeRows(config)).isEqualTo(source);
            assertThat(changes(config)).hasSize(34);

            // 5. One more delete, caught up by the next run.
            exec(db, "DELETE FROM app.accounts WHERE id = 1");
            IngestSummary fifth = new IngestJob(config, parts.flink(config)).runBatch();
            assertBalanced(fifth.of("accounts"), 1);
            assertThat(lakeRows(config)).isEqualTo(sourceRows(db)).doesNotContainKey("1");
        }
    }

    @Test
    @Timeout(240)
    void snapshotThenInsertsUpdatesAndDeletesWhileTheJobRuns(TestParts parts) throws Exception {
        TidelineConfig config = config(parts);
        Map<String, List<String>> expected = new TreeMap<>();
        Instant before = Instant.now().minusSeconds(1);
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            for (int i = 1; i <= 20; i++) {
                exec(
                        db,
                        "INSERT INTO app.accounts (id, email, balance, status) VALUES ("
                                + i
                                + ", 'a"
                                + i
                                + "@x.io', "
                                + i
                                + ".50, 'open')");
                record(expected, i, "snapshot");
            }
        }
        // One reader; validation and the change step in parallel (the job's parallelism, 2), so the
        // order per key asserted below holds across parallel paths.
        Map<String, Integer> parallelism = new TreeMap<>();
        new IngestJob(config, parts.flink(config))
                .plan(RuntimeExecutionMode.STREAMING)
                .getStreamGraph(false)
                .getStreamNodes()
                .forEach(n -> parallelism.put(n.getOperatorName(), n.getParallelism()));
        assertThat(parallelism)
                .containsEntry("Source: accounts: postgres-cdc", 1)
                .containsEntry("accounts: validate", 2)
                .containsEntry("accounts: changes", 2);
        try (IngestJob.Running running =
                new IngestJob(config, parts.flink(config)).startStreaming()) {
            Await.until(
                    "the snapshot's 20 rows",
                    Duration.ofSeconds(90),
                    () -> lakeRows(config).size() == 20);
            // A fresh table's snapshot is inserted: no equality delete for a reader to apply.
            assertThat(deleteFiles(config)).isZero();
            try (Connection db = parts.connect()) {
                // The publication and the slot, created under the source's name.
                assertThat(slotConfirmed(db, "tideline_accounts")).isNotNull();
                try (Statement st = db.createStatement();
                        ResultSet rs =
                                st.executeQuery(
                                        "SELECT tablename FROM pg_publication_tables WHERE"
                                                + " pubname = 'tideline_accounts'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("accounts");
                }
                for (int i = 21; i <= 30; i++) {
                    exec(
                            db,
                            "INSERT INTO app.accounts (id, email, balance, status) VALUES ("
                                    + i
                                    + ", 'b"
                                    + i
                                    + "@x.io', NULL, 'new')");
                    record(expected, i, "insert");
                }
                for (int i = 1; i <= 30; i += 3) {
                    exec(
                            db,
                            "UPDATE app.accounts SET balance = 99.99, status = 'vip' WHERE id = "
                                    + i);
                    record(expected, i, "update");
                }
                for (int i = 2; i <= 30; i += 4) {
                    exec(db, "DELETE FROM app.accounts WHERE id = " + i);
                    record(expected, i, "delete");
                }
                // A key deleted, then inserted again, then updated, in one transaction.
                db.setAutoCommit(false);
                exec(db, "DELETE FROM app.accounts WHERE id = 3");
                exec(
                        db,
                        "INSERT INTO app.accounts (id, email, status) VALUES (3, 'again@x.io',"
                                + " 'back')");
                exec(db, "UPDATE app.accounts SET balance = 3.33 WHERE id = 3");
                db.commit();
                db.setAutoCommit(true);
                record(expected, 3, "delete");
                record(expected, 3, "insert");
                record(expected, 3, "update");
                Map<String, String> want = sourceRows(db);
                Await.until(
                        "the keyed table equal to the source table",
                        Duration.ofSeconds(90),
                        () -> lakeRows(config).equals(want));
                FlinkRestMetrics metrics = new FlinkRestMetrics(parts.flink(config));
                JobID job = running.client().getJobID();
                Await.until(
                        "the slot's lag and last commit age through Flink's REST API",
                        Duration.ofSeconds(60),
                        () -> {
                            Map<String, String> lag =
                                    metrics.find(job, "tideline.source.accounts.slotLagBytes");
                            Map<String, String> age =
                                    metrics.find(
                                            job, "tideline.source.accounts.lastSourceCommitAgeMs");
                            return lag.size() == 1
                                    && age.size() == 1
                                    && Double.parseDouble(lag.values().iterator().next()) >= 0
                                    && Double.parseDouble(age.values().iterator().next()) >= 0;
                        });
                Await.until(
                        "the slot confirmed past the last change",
                        Duration.ofSeconds(60),
                        () ->
                                lsnNumber(slotConfirmed(db, "tideline_accounts"))
                                        > changes(config).stream()
                                                .mapToLong(Change::lsn)
                                                .max()
                                                .orElseThrow());
            }
        }
        dropSlotAndPublication(parts, "tideline_accounts", "tideline_accounts");
        try (Connection db = parts.connect()) {
            assertThat(lakeRows(config)).isEqualTo(sourceRows(db));
            assertThat(lakeRows(config)).doesNotContainKeys("2", "6", "10");
        }
        // The changes after it are deletes of their keys.
        assertThat(deleteFiles(config)).isPositive();
        List<Change> changes = changes(config);
        assertThat(opsByKey(changes)).isEqualTo(expected);
        long snapshotLsn =
                changes.stream().filter(c -> c.op().equals("snapshot")).findFirst().get().lsn();
        assertThat(changes)
                .allSatisfy(
                        c -> {
                            assertThat(c.commitTime()).isNotNull();
                            assertThat(Instant.parse(c.commitTime().replace("+00:00", "Z")))
                                    .isAfter(before)
                                    .isBefore(Instant.now());
                            if (c.op().equals("snapshot")) {
                                assertThat(c.lsn()).isEqualTo(snapshotLsn);
                            } else {
                                assertThat(c.lsn()).isGreaterThan(snapshotLsn);
                            }
                        });
        // The change log's deletes carry the key; the row's values after the re-insert are new.
        assertThat(changes)
                .filteredOn(c -> c.id().equals("3"))
                .extracting(Change::op, Change::email)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("snapshot", "a3@x.io"),
                        org.assertj.core.groups.Tuple.tuple("delete", null),
                        org.assertj.core.groups.Tuple.tuple("insert", "again@x.io"),
                        org.assertj.core.groups.Tuple.tuple("update", "again@x.io"));
    }

    @Test
    @Timeout(120)
    void aTableWithoutPrimaryKeyIsRefusedAtStart(TestParts parts) throws Exception {
        try (Connection db = parts.connect()) {
            exec(db, "CREATE SCHEMA app; CREATE TABLE app.nokey (id BIGINT, email TEXT)");
        }
        TidelineConfig config =
                IngestFixtures.config(
                        parts,
                        "warehouse",
                        String.join(
                                "\n",
                                "sources:",
                                "  nokey:",
                                "    kind: postgres-cdc",
                                "    source-table: app.nokey",
                                "    key: [id]",
                                "    columns:",
                                "      id:    {type: bigint, required: true}",
                                "      email: {type: string}",
                                ""));
        assertThatThrownBy(() -> new IngestJob(config, parts.flink(config)).startStreaming())
                .isInstanceOf(CdcPreflight.CdcSetupException.class)
                .hasMessageContaining("sources.nokey")
                .hasMessageContaining("table app.nokey has no primary key")
                .hasMessageContaining("ALTER TABLE app.nokey ADD PRIMARY KEY (id);")
                .hasMessageContaining("ALTER TABLE app.nokey REPLICA IDENTITY FULL;");
        try (Connection db = parts.connect()) {
            exec(db, "ALTER TABLE app.nokey REPLICA IDENTITY NOTHING");
        }
        assertThatThrownBy(() -> new IngestJob(config, parts.flink(config)).startStreaming())
                .hasMessageContaining("table app.nokey has REPLICA IDENTITY NOTHING");
    }

    @Test
    @Timeout(120)
    void aUserWithoutReplicationPrivilegeIsRefusedAtStart(TestParts parts) throws Exception {
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            exec(db, "DROP ROLE IF EXISTS cdc_reader_" + parts.id());
            exec(db, "CREATE ROLE cdc_reader_" + parts.id() + " LOGIN");
        }
        String yaml =
                parts.configYaml(source("app.accounts"))
                        .replace(
                                "  database: " + parts.database() + "\n",
                                "  database: "
                                        + parts.database()
                                        + "\n  user: cdc_reader_"
                                        + parts.id()
                                        + "\n");
        TidelineConfig config = new ConfigLoader(System::getenv).parse(yaml, "t.yaml", parts.dir());
        assertThat(config.postgres().user()).isEqualTo("cdc_reader_" + parts.id());
        assertThatThrownBy(() -> new IngestJob(config, parts.flink(config)).startStreaming())
                .hasMessageContaining("user cdc_reader_" + parts.id() + " lacks the REPLICATION")
                .hasMessageContaining(
                        "ALTER ROLE \"cdc_reader_" + parts.id() + "\" WITH REPLICATION;");
    }

    @Test
    @Timeout(180)
    void aServerWithoutLogicalReplicationIsRefusedAtStart(TestParts parts) throws Exception {
        try (LocalPostgres replica =
                LocalPostgres.start(
                        parts.dir().resolve("pg-replica"), 0, Map.of("wal_level", "replica"))) {
            try (Connection db =
                    DriverManager.getConnection(replica.jdbcUrl("postgres"), "postgres", "")) {
                exec(db, DDL);
            }
            String yaml =
                    parts.configYaml(source("app.accounts"))
                            .replace(
                                    "  port: " + parts.postgres().port() + "\n",
                                    "  port: " + replica.port() + "\n")
                            .replace(
                                    "  database: " + parts.database() + "\n",
                                    "  database: postgres\n");
            TidelineConfig config =
                    new ConfigLoader(System::getenv).parse(yaml, "t.yaml", parts.dir());
            assertThat(config.postgres().port()).isEqualTo(replica.port());
            assertThatThrownBy(() -> new IngestJob(config, parts.flink(config)).startStreaming())
                    .isInstanceOf(CdcPreflight.CdcSetupException.class)
                    .hasMessageContaining("runs with wal_level=replica")
                    .hasMessageContaining("ALTER SYSTEM SET wal_level = logical;")
                    .hasMessageContaining("restart PostgreSQL");
        }
    }

    @Test
    @Timeout(240)
    void aLongTransactionThatCommitsAfterLaterOnesIsCaptured(TestParts parts) throws Exception {
        TidelineConfig config = ownSlot(parts);
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            exec(db, "INSERT INTO app.accounts (id, email, status) VALUES (1, 'one@x.io', 'open')");
            exec(db, "INSERT INTO app.accounts (id, email, status) VALUES (2, 'two@x.io', 'open')");
        }
        try (IngestJob.Running running =
                        new IngestJob(config, parts.flink(config)).startStreaming();
                Connection longTx = parts.connect();
                Connection db = parts.connect()) {
            Await.until("the snapshot", Duration.ofSeconds(90), () -> lakeRows(config).size() == 2);
            longTx.setAutoCommit(false);
            exec(longTx, "UPDATE app.accounts SET status = 'slow' WHERE id = 1");
            exec(
                    longTx,
                    "INSERT INTO app.accounts (id, email, status) VALUES (100, 'late@x.io',"
                            + " 'slow')");
            // Later transactions commit first, and reach the lake.
            exec(db, "UPDATE app.accounts SET status = 'quick' WHERE id = 2");
            exec(
                    db,
                    "INSERT INTO app.accounts (id, email, status) VALUES (3, 'three@x.io',"
                            + " 'quick')");
            Await.until(
                    "the later transactions in the lake",
                    Duration.ofSeconds(90),
                    () ->
                            lakeRows(config).size() == 3
                                    && lakeRows(config).get("2").endsWith("|quick"));
            assertThat(lakeRows(config)).doesNotContainKey("100");
            longTx.commit();
            Map<String, String> want = sourceRows(db);
            assertThat(want.get("1")).endsWith("|slow");
            Await.until(
                    "the long transaction in the lake",
                    Duration.ofSeconds(90),
                    () -> lakeRows(config).equals(want));
        }
        dropSlotAndPublication(parts, "cdc_" + parts.id(), "tideline_accounts");
        List<Change> changes = changes(config);
        long quick = changes.stream().filter(c -> c.id().equals("3")).findFirst().get().lsn();
        Change slow = changes.stream().filter(c -> c.id().equals("100")).findFirst().get();
        assertThat(slow.op()).isEqualTo("insert");
        assertThat(slow.lsn()).as("committed last: the larger commit LSN").isGreaterThan(quick);
        assertThat(opsByKey(changes))
                .containsEntry("1", List.of("snapshot", "update"))
                .containsEntry("100", List.of("insert"));
    }

    @Test
    @Timeout(240)
    void aTruncateIsRecordedAndAnAddedColumnFollowsTheDeclaredSchema(TestParts parts)
            throws Exception {
        TidelineConfig config = ownSlot(parts);
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            exec(db, "INSERT INTO app.accounts (id, email, status) VALUES (1, 'one@x.io', 'open')");
        }
        try (IngestJob.Running running =
                        new IngestJob(config, parts.flink(config)).startStreaming();
                Connection db = parts.connect()) {
            Await.until("the snapshot", Duration.ofSeconds(90), () -> lakeRows(config).size() == 1);
            // A column the YAML does not declare: unknown-fields ignore (the default).
            exec(db, "ALTER TABLE app.accounts ADD COLUMN tier TEXT");
            exec(
                    db,
                    "INSERT INTO app.accounts (id, email, status, tier) VALUES (2, 'two@x.io',"
                            + " 'open', 'gold')");
            Await.until(
                    "the row with the added column",
                    Duration.ofSeconds(90),
                    () -> lakeRows(config).size() == 2);
            // A truncate is recorded (metric), not applied; later changes still flow.
            exec(db, "TRUNCATE app.accounts");
            exec(
                    db,
                    "INSERT INTO app.accounts (id, email, status) VALUES (3, 'three@x.io', 'new')");
            Await.until(
                    "the insert after the truncate",
                    Duration.ofSeconds(90),
                    () -> lakeRows(config).size() == 3);
            FlinkRestMetrics metrics = new FlinkRestMetrics(parts.flink(config));
            JobID job = running.client().getJobID();
            Await.until(
                    "the truncate counted",
                    Duration.ofSeconds(60),
                    () -> metrics.sum(job, "tideline.source.accounts.truncates") == 1);
            assertThat(running.client().getJobStatus().get().isGloballyTerminalState()).isFalse();
        }
        dropSlotAndPublication(parts, "cdc_" + parts.id(), "tideline_accounts");
        assertThat(lakeRows(config))
                .containsOnlyKeys("1", "2", "3")
                .containsEntry("2", "two@x.io|null|open");
        assertThat(IngestFixtures.rows(config, table(config)).get(0)).doesNotContainKey("tier");
        assertThat(opsByKey(changes(config)))
                .containsEntry("1", List.of("snapshot"))
                .containsEntry("2", List.of("insert"))
                .containsEntry("3", List.of("insert"));
    }

    /** Throws once at each chosen count of changes, after a checkpoint of its attempt completed. */
    static final class FailTwice extends RichMapFunction<RowData, RowData>
            implements CheckpointListener {

        private static final long[] FAIL_AT = {15, 25};
        private final String markers;
        private transient long seen;
        private transient boolean committed;

        FailTwice(Path markers) {
            this.markers = markers.toString();
        }

        @Override
        public void open(OpenContext openContext) throws IOException {
            Files.createDirectories(Path.of(markers));
        }

        @Override
        public RowData map(RowData row) throws Exception {
            seen++;
            int failures = failures(Path.of(markers));
            if (committed && failures < FAIL_AT.length && seen >= FAIL_AT[failures]) {
                Files.createFile(Path.of(markers).resolve("failure-" + (failures + 1)));
                throw new IllegalStateException("injected failure " + (failures + 1));
            }
            return row;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            committed = true;
        }

        static int failures(Path markers) throws IOException {
            try (Stream<Path> files = Files.list(markers)) {
                return (int) files.count();
            }
        }
    }

    /**
     * Throws once, at the first row after a checkpoint that held rows of its attempt completed (its
     * commit then holds them); the marker's name records how many rows it had seen.
     */
    static final class FailOnceAfterACommit extends RichMapFunction<RowData, RowData>
            implements CheckpointListener, CheckpointedFunction {

        private final String markers;
        private transient long seen;
        private transient boolean committed;
        private transient Map<Long, Long> seenAt;

        FailOnceAfterACommit(Path markers) {
            this.markers = markers.toString();
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            seenAt = new java.util.HashMap<>();
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            seenAt.put(context.getCheckpointId(), seen);
        }

        @Override
        public RowData map(RowData row) throws Exception {
            seen++;
            if (committed && FailTwice.failures(Path.of(markers)) == 0) {
                // The validation runs in parallel: the first instance to get here fails the job.
                try {
                    Files.writeString(
                            Path.of(markers).resolve("failure"),
                            isSnapshotRow(row) ? "at a snapshot row" : "at a change",
                            StandardOpenOption.CREATE_NEW);
                } catch (FileAlreadyExistsException other) {
                    return row;
                }
                throw new IllegalStateException("injected failure after " + seen + " rows");
            }
            return row;
        }

        private static boolean isSnapshotRow(RowData row) {
            GenericRowData r = (GenericRowData) row;
            for (int i = 0; i < r.getArity(); i++) {
                if (StringData.fromString("snapshot").equals(r.getField(i))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            committed |= seenAt.getOrDefault(checkpointId, 0L) > 0;
        }
    }

    /**
     * A failure in the middle of the snapshot, after a checkpoint committed part of it: the
     * restored job takes the snapshot again, and the rows the first attempt committed are replaced,
     * not repeated (the first attempt inserted its rows without deletes, into a fresh table).
     */
    @Test
    @Timeout(300)
    void aFailureDuringTheSnapshotTakesItAgainWithoutDuplicates(TestParts parts) throws Exception {
        TidelineConfig config = ownSlot(parts);
        Path markers = parts.dir().resolve("snapshot-failure");
        Files.createDirectories(markers);
        int rows = 150_000;
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            exec(
                    db,
                    "INSERT INTO app.accounts (id, email, status) SELECT g, 's' || g || '@x.io',"
                            + " 'open' FROM generate_series(1, "
                            + rows
                            + ") g");
        }
        try (IngestJob.Running running =
                        new IngestJob(config, parts.flink(config))
                                .withTap("accounts", new FailOnceAfterACommit(markers))
                                .startStreaming();
                Connection db = parts.connect()) {
            Await.until(
                    "the failure and the snapshot taken again",
                    Duration.ofSeconds(180),
                    () -> FailTwice.failures(markers) == 1 && lakeRows(config).size() == rows);
            assertThat(Files.readString(markers.resolve("failure")))
                    .as("the failure came in the middle of the snapshot")
                    .isEqualTo("at a snapshot row");
            exec(db, "UPDATE app.accounts SET status = 'vip' WHERE id = 7");
            Map<String, String> want = sourceRows(db);
            Await.until(
                    "the keyed table equal to the source table",
                    Duration.ofSeconds(90),
                    () -> lakeRows(config).equals(want));
        }
        dropSlotAndPublication(parts, "cdc_" + parts.id(), "tideline_accounts");
    }

    @Test
    @Timeout(300)
    void twoFailuresMidStreamLoseNothingAndRepeatNothing(TestParts parts) throws Exception {
        TidelineConfig config = ownSlot(parts);
        Path markers = parts.dir().resolve("failures");
        Files.createDirectories(markers);
        Map<String, List<String>> expected = new TreeMap<>();
        try (Connection db = parts.connect()) {
            exec(db, DDL);
            for (int i = 1; i <= 10; i++) {
                exec(db, "INSERT INTO app.accounts (id, email) VALUES (" + i + ", 's@x.io')");
                record(expected, i, "snapshot");
            }
        }
        try (IngestJob.Running running =
                        new IngestJob(config, parts.flink(config))
                                .withTap("accounts", new FailTwice(markers))
                                .startStreaming();
                Connection db = parts.connect()) {
            Await.until(
                    "the snapshot", Duration.ofSeconds(90), () -> lakeRows(config).size() == 10);
            long next = 11;
            for (int chunk = 0;
                    chunk < 8 || (FailTwice.failures(markers) < 2 && chunk < 20);
                    chunk++) {
                // Per chunk: 4 inserts, 2 updates, 1 delete, in separate transactions, and one
                // transaction of 3 changes.
                for (int i = 0; i < 4; i++) {
                    exec(
                            db,
                            "INSERT INTO app.accounts (id, email) VALUES ("
                                    + next
                                    + ", 'c"
                                    + chunk
                                    + "@x.io')");
                    record(expected, next++, "insert");
                }
                exec(
                        db,
                        "UPDATE app.accounts SET status = 'u"
                                + chunk
                                + "' WHERE id = "
                                + (next - 1));
                record(expected, next - 1, "update");
                exec(
                        db,
                        "UPDATE app.accounts SET status = 'u"
                                + chunk
                                + "' WHERE id = "
                                + (next - 2));
                record(expected, next - 2, "update");
                exec(db, "DELETE FROM app.accounts WHERE id = " + (next - 3));
                record(expected, next - 3, "delete");
                db.setAutoCommit(false);
                exec(db, "INSERT INTO app.accounts (id, email) VALUES (" + next + ", 'tx@x.io')");
                record(expected, next, "insert");
                exec(db, "UPDATE app.accounts SET balance = 1.25 WHERE id = " + next);
                record(expected, next, "update");
                exec(db, "DELETE FROM app.accounts WHERE id = " + (next - 4));
                record(expected, next - 4, "delete");
                db.commit();
                db.setAutoCommit(true);
                next++;
                Map<String, String> want = sourceRows(db);
                int c = chunk;
                Await.until(
                        "chunk " + c + " in the lake",
                        Duration.ofSeconds(90),
                        () -> lakeRows(config).equals(want));
            }
            assertThat(FailTwice.failures(markers)).isEqualTo(2);
            Map<String, String> want = sourceRows(db);
            assertThat(lakeRows(config)).isEqualTo(want);
        }
        dropSlotAndPublication(parts, "cdc_" + parts.id(), "tideline_accounts");
        List<Change> changes = changes(config);
        assertThat(opsByKey(changes)).isEqualTo(expected);
        assertThat(changes.stream().map(c -> c.lsn() + "/" + c.seq()).distinct().count())
                .as("no change twice in the change log")
                .isEqualTo(changes.size());
    }
}
