/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.MaintenanceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestJob;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Maintenance between a streaming ingestion job's stop and its restore: it compacts, expires
 * snapshots and deletes orphans; the job then restores from its savepoint (a checkpoint it took as
 * it stopped) and commits nothing twice and loses nothing. Without the protection of the job's last
 * snapshot, the restore would commit the savepoint's files again (a sixth quarantine row).
 */
@ExtendWith(TidelineExtension.class)
class MaintenanceIT {

    @Test
    @Timeout(300)
    void aStreamingJobRestoresFromItsCheckpointAfterMaintenance(TestParts parts) throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 2);
        TidelineConfig config =
                parts.config(
                        io.tideline.ingest.IngestFixtures.demoSources(topic, null, null, "events")
                                + String.join(
                                        "\n",
                                        "maintenance:",
                                        "  min-input-files: 2",
                                        "  max-snapshot-age: 0s",
                                        "  retain-last: 1",
                                        "  orphan-min-age: 1h",
                                        "sql:",
                                        "  dir: " + Path.of("../sql").toAbsolutePath().normalize(),
                                        ""));
        TableIdentifier events = TableIdentifier.of("landing", "events");
        TableIdentifier quarantine = TableIdentifier.of("landing", "quarantine");

        IngestJob.Running job = new IngestJob(config, parts.flink(config)).startStreaming();
        String savepoint;
        try {
            // Three batches, each committed before the next: small files and several snapshots,
            // with one bad record per batch in the (append-only) quarantine table.
            for (int batch = 0; batch < 3; batch++) {
                produce(config, topic, batch * 100, 100, true);
                int expected = (batch + 1) * 100;
                await("rows of batch " + batch, () -> ids(config, events).size() == expected);
                await(
                        "quarantine of batch " + batch,
                        () -> ids(config, quarantine).size() == expected / 100);
            }
            // A fourth batch, and at once a stop with a savepoint: the savepoint holds this batch's
            // files, which the job commits as it stops.
            produce(config, topic, 300, 100, true);
            savepoint =
                    job.client()
                            .stopWithSavepoint(
                                    false,
                                    parts.dir().resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get(120, TimeUnit.SECONDS);
        } finally {
            job.close();
        }
        assertThat(ids(config, events)).hasSize(400);
        assertThat(ids(config, quarantine)).hasSize(4);

        Table table = IcebergCatalogs.open(config).loadTable(events);
        Path data = Path.of(java.net.URI.create(table.location())).resolve("data");
        Path oldOrphan =
                Files.writeString(data.resolve("orphan-old.parquet"), "left by a failed writer");
        Files.setLastModifiedTime(
                oldOrphan, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path youngOrphan =
                Files.writeString(data.resolve("orphan-young.parquet"), "a commit under way");

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<TableMaintenance.Result> results =
                new MaintenanceJob(config, parts.flink(config))
                        .runOnce(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("landing.events: data files", "landing.quarantine: data files")
                // the SQL layer's tables come from its models (none is built yet)
                .contains(
                        "marts.customer_360: no such table yet, skipped",
                        "marts.daily_revenue: no such table yet, skipped");
        TableMaintenance.Result r =
                results.stream()
                        .filter(x -> x.table().equals("landing.events"))
                        .findFirst()
                        .orElseThrow();
        // Compacted: fewer data files than before, the same rows.
        assertThat(r.rewrittenDataFiles()).isPositive();
        assertThat(r.dataFilesAfter()).isLessThan(r.dataFilesBefore());
        assertThat(ids(config, events)).hasSize(400).doesNotHaveDuplicates();
        // Expired, but the job's last commit is still in the history.
        table.refresh();
        assertThat(r.snapshotsAfter()).isLessThan(r.snapshotsBefore());
        assertThat(r.protectedSnapshots()).hasSize(1);
        assertThat(table.snapshot(r.protectedSnapshots().iterator().next()).summary())
                .containsKey("flink.max-committed-checkpoint-id");
        // Orphans: the old one deleted, the young one kept.
        assertThat(oldOrphan).doesNotExist();
        assertThat(youngOrphan).exists();
        assertThat(r.orphansDeleted()).isEqualTo(1);

        // The job resumes from its savepoint, after maintenance, while re-deliveries of old
        // events, a new one and a bad one arrive.
        Configuration resume = new Configuration(parts.flink(config));
        resume.setString("execution.state-recovery.path", savepoint);
        try (IngestJob.Running resumed = new IngestJob(config, resume).startStreaming()) {
            produce(config, topic, 0, 50, false);
            produce(config, topic, 400, 1, true);
            await("every event once", () -> ids(config, events).size() == 401);
            await("every quarantined record once", () -> ids(config, quarantine).size() >= 5);
            assertThat(ids(config, events))
                    .hasSize(401)
                    .doesNotHaveDuplicates()
                    .contains("evt-0", "evt-400");
            // Append-only: the savepoint's commit made a second time would be a sixth row here.
            assertThat(ids(config, quarantine)).hasSize(5);
        }
    }

    /**
     * A streaming upsert job commits an equality delete on every checkpoint. A compaction that runs
     * meanwhile must commit anyway, and the deletes committed while it ran must still apply to the
     * files it wrote: each upserted key once, with its new value. (Iceberg's rewrite, by default,
     * gives its files the sequence number of its own commit; it then refuses to commit over such
     * deletes, "found new delete for replaced data file".)
     */
    @Test
    @Timeout(300)
    void aCompactionCommitsWhileAnUpsertWriterKeepsCommittingEqualityDeletes(TestParts parts)
            throws Exception {
        TidelineConfig config = parts.config();
        Catalog catalog = IcebergCatalogs.open(config);
        TableIdentifier id = TableIdentifier.of("landing", "upserted_" + parts.id());
        Table table = upsertTable(catalog, id);
        Schema schema = table.schema();
        int files = 10;
        int perFile = 100;
        appendOld(table, files, perFile);
        long startSequence = table.currentSnapshot().sequenceNumber();

        TableMaintenance maintenance =
                new TableMaintenance(
                        new MaintenanceConfig(null, null, null, 2, null, null, null, null),
                        parts.flink(config));
        CompletableFuture<TableMaintenance.Result> pass =
                CompletableFuture.supplyAsync(
                        () ->
                                maintenance.maintain(
                                        id.toString(), catalog.loadTable(id), Instant.now()));
        // Upserts, one key per commit (its equality delete and its new row), at most one per 200 ms
        // (a streaming job commits once per checkpoint; back to back, the commits would starve
        // every other committer of the table, the compaction's retries included), until the pass
        // ends.
        int upserted = 0;
        while (!pass.isDone() && upserted < files * perFile) {
            table.refresh();
            table.newRowDelta()
                    .addDeletes(equalityDelete(table, upserted))
                    .addRows(dataFile(table, List.of(row(schema, upserted, "new"))))
                    .commit();
            upserted++;
            try {
                pass.get(200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillRunning) {
                // the next upsert
            }
        }
        TableMaintenance.Result r = pass.get(4, TimeUnit.MINUTES);

        table.refresh();
        Snapshot replace = null;
        for (Snapshot s : table.snapshots()) {
            if (DataOperations.REPLACE.equals(s.operation())) {
                replace = s;
            }
        }
        assertThat(r.rewrittenDataFiles()).isGreaterThanOrEqualTo(files);
        assertThat(replace).as("the compaction's commit").isNotNull();
        assertThat(replace.sequenceNumber())
                .as("upserts committed between the compaction's start and its commit")
                .isGreaterThan(startSequence + 1);
        Map<Long, List<String>> values = valuesById(table);
        assertThat(values).hasSize(files * perFile);
        for (long key = 0; key < files * perFile; key++) {
            assertThat(values.get(key))
                    .as("key %d", key)
                    .containsExactly(key < upserted ? "new" : "old");
        }
    }

    @Test
    @Timeout(300)
    void deleteFilesThatApplyToNoLiveDataFileAreRemovedAndTheOthersKept(TestParts parts)
            throws Exception {
        TidelineConfig config = parts.config();
        Catalog catalog = IcebergCatalogs.open(config);
        TableIdentifier id = TableIdentifier.of("landing", "dangling_" + parts.id());
        Table table = upsertTable(catalog, id);
        Schema schema = table.schema();
        appendOld(table, 5, 100);
        // 20 upserts, as a streaming job commits them: an equality delete and the new row each.
        for (int key = 0; key < 20; key++) {
            table.newRowDelta()
                    .addDeletes(equalityDelete(table, key))
                    .addRows(dataFile(table, List.of(row(schema, key, "new"))))
                    .commit();
        }
        TableMaintenance compacting =
                new TableMaintenance(
                        new MaintenanceConfig(null, null, null, 2, null, null, null, null),
                        parts.flink(config));
        TableMaintenance.Result first =
                compacting.maintain(id.toString(), catalog.loadTable(id), Instant.now());
        table.refresh();
        assertThat(first.rewrittenDataFiles()).isEqualTo(25);
        assertThat(first.deleteFilesBefore()).isEqualTo(20);
        // The compaction applied every delete to the rows it rewrote, so none applies to its
        // files. Its own commit drops a few of them (Iceberg drops those older than every data
        // file it keeps); the rest are removed by the pass.
        assertThat(first.danglingDeletesRemoved()).isPositive();
        assertThat(first.deleteFilesAfter()).isZero();
        assertThat(TableMaintenance.deleteFiles(table)).isZero();

        // A later upsert's delete applies to the compacted file: it stays, and so does its effect.
        table.newRowDelta()
                .addDeletes(equalityDelete(table, 300))
                .addRows(dataFile(table, List.of(row(schema, 300, "new"))))
                .commit();
        TableMaintenance notCompacting =
                new TableMaintenance(
                        new MaintenanceConfig(null, null, null, 1000, null, null, null, null),
                        parts.flink(config));
        TableMaintenance.Result second =
                notCompacting.maintain(id.toString(), catalog.loadTable(id), Instant.now());
        table.refresh();
        assertThat(second.rewrittenDataFiles()).isZero();
        assertThat(second.deleteFilesBefore()).isEqualTo(1);
        assertThat(second.danglingDeletesRemoved()).isZero();
        assertThat(second.deleteFilesAfter()).isEqualTo(1);
        assertThat(TableMaintenance.deleteFiles(table)).isEqualTo(1);

        Map<Long, List<String>> values = valuesById(table);
        assertThat(values).hasSize(500);
        for (long key = 0; key < 500; key++) {
            assertThat(values.get(key))
                    .as("key %d", key)
                    .containsExactly(key < 20 || key == 300 ? "new" : "old");
        }
    }

    /** An unpartitioned v2 table of {@code id BIGINT} (its key) and {@code v STRING}. */
    private static Table upsertTable(Catalog catalog, TableIdentifier id) {
        Schema schema =
                new Schema(
                        List.of(
                                Types.NestedField.required(1, "id", Types.LongType.get()),
                                Types.NestedField.optional(2, "v", Types.StringType.get())),
                        Set.of(1));
        return catalog.createTable(
                id, schema, PartitionSpec.unpartitioned(), Map.of("format-version", "2"));
    }

    /** Appends {@code files} files of {@code perFile} rows each, keys from 0, {@code v} "old". */
    private static void appendOld(Table table, int files, int perFile) throws IOException {
        for (int f = 0; f < files; f++) {
            List<Record> rows = new ArrayList<>();
            for (int i = f * perFile; i < (f + 1) * perFile; i++) {
                rows.add(row(table.schema(), i, "old"));
            }
            table.newAppend().appendFile(dataFile(table, rows)).commit();
        }
    }

    /** Every {@code v} the table holds, by {@code id}, with the deletes applied. */
    private static Map<Long, List<String>> valuesById(Table table) throws IOException {
        Map<Long, List<String>> values = new java.util.TreeMap<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
            for (Record row : rows) {
                values.computeIfAbsent((Long) row.getField("id"), k -> new ArrayList<>())
                        .add((String) row.getField("v"));
            }
        }
        return values;
    }

    private static Record row(Schema schema, long id, String v) {
        Record r = GenericRecord.create(schema);
        r.setField("id", id);
        r.setField("v", v);
        return r;
    }

    private static DataFile dataFile(Table table, List<Record> rows) throws IOException {
        OutputFile out =
                table.io()
                        .newOutputFile(
                                table.locationProvider()
                                        .newDataLocation(UUID.randomUUID() + ".parquet"));
        DataWriter<Record> writer =
                new GenericAppenderFactory(table.schema(), table.spec())
                        .newDataWriter(
                                EncryptedFiles.plainAsEncryptedOutput(out),
                                FileFormat.PARQUET,
                                null);
        try (DataWriter<Record> w = writer) {
            rows.forEach(w::write);
        }
        return writer.toDataFile();
    }

    private static DeleteFile equalityDelete(Table table, long key) throws IOException {
        Schema keySchema = table.schema().select("id");
        OutputFile out =
                table.io()
                        .newOutputFile(
                                table.locationProvider()
                                        .newDataLocation(UUID.randomUUID() + "-eq.parquet"));
        EqualityDeleteWriter<Record> writer =
                new GenericAppenderFactory(
                                table.schema(), table.spec(), new int[] {1}, keySchema, null)
                        .newEqDeleteWriter(
                                EncryptedFiles.plainAsEncryptedOutput(out),
                                FileFormat.PARQUET,
                                null);
        Record k = GenericRecord.create(keySchema);
        k.setField("id", key);
        try (EqualityDeleteWriter<Record> w = writer) {
            w.write(k);
        }
        return writer.toDeleteFile();
    }

    private static void await(String what, Callable<Boolean> condition) {
        Await.until(what, Duration.ofSeconds(120), condition);
    }

    private static String eventJson(String id) {
        return "{\"event_id\":\""
                + id
                + "\",\"event_type\":\"page_view\",\"customer_id\":\"7\",\"occurred_at\":\""
                + Instant.now()
                + "\"}";
    }

    private static void produce(
            TidelineConfig config, String topic, int from, int count, boolean withBad)
            throws Exception {
        Properties props = config.kafka().clientProperties();
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < from + count; i++) {
                p.send(new ProducerRecord<>(topic, String.valueOf(i), eventJson("evt-" + i)));
            }
            if (withBad) {
                p.send(new ProducerRecord<>(topic, "bad", "{\"event_id\": \"broken-" + from));
            }
            p.flush();
        }
    }

    /** The first column of every row (event_id of landing.events, source of landing.quarantine). */
    private static List<String> ids(TidelineConfig config, TableIdentifier id) {
        List<String> out = new ArrayList<>();
        try {
            Table t = IcebergCatalogs.open(config).loadTable(id);
            String column = t.schema().columns().get(0).name();
            try (CloseableIterable<Record> rows = IcebergGenerics.read(t).select(column).build()) {
                rows.forEach(r -> out.add(String.valueOf(r.getField(column))));
            }
        } catch (org.apache.iceberg.exceptions.NoSuchTableException notYet) {
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
