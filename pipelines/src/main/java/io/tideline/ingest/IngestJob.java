/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ColumnType;
import io.tideline.config.ConfigLoader;
import io.tideline.config.IngestionConfig;
import io.tideline.config.PostgresCdc;
import io.tideline.config.SourceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.config.WatermarkConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.ingest.cdc.CdcCatchUp;
import io.tideline.ingest.cdc.CdcChanges;
import io.tideline.ingest.cdc.CdcPreflight;
import io.tideline.ingest.cdc.CdcSource;
import io.tideline.ingest.dedup.CountAccepted;
import io.tideline.ingest.dedup.FirstDeliveryWins;
import io.tideline.ingest.dedup.LatestVersionWins;
import io.tideline.ingest.dedup.RowKey;
import io.tideline.ingest.dedup.SkipCommitted;
import io.tideline.ingest.files.DropFileFormat;
import io.tideline.ingest.files.DropFileSource;
import io.tideline.ingest.files.DropFiles;
import io.tideline.ingest.files.VersionedFiles;
import io.tideline.ingest.kafka.KafkaRecords;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.postgres.CursorSource;
import io.tideline.ingest.time.RouteLateEvents;
import io.tideline.ingest.validate.RecordPlan;
import io.tideline.ingest.validate.ValidateRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.MathUtils;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion job: every source of the {@code sources} section (Kafka topics, file drop folders,
 * PostgreSQL tables or queries, each described in YAML) into its Iceberg table, validated by its
 * compiled {@link RecordPlan}, deduplicated by its key, on event time, exactly once. One code path
 * for both modes:
 *
 * <ul>
 *   <li>{@code BATCH} (backfill): topics from the earliest to the latest offsets, folders once,
 *       tables once; Iceberg commits at the end. A rerun writes nothing it already wrote.
 *   <li>{@code STREAMING} (continuous): topics, folders monitored, tables polled by their cursor;
 *       Iceberg commits on each checkpoint.
 * </ul>
 *
 * <p>Run it with {@code --config tideline.yaml --mode BATCH|STREAMING [--sources a,b]}.
 */
public final class IngestJob {

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    private final TidelineConfig config;
    private final Configuration flink;
    private List<String> only;
    private String tapSource;
    private MapFunction<RowData, RowData> tap;
    private final List<CdcCatchUp> catchUps = new ArrayList<>();

    /**
     * @param config the deployment: Kafka, PostgreSQL, the catalog, the {@code ingestion} and
     *     {@code sources} sections
     * @param flink the Flink client configuration (a cluster's, or {@link
     *     FlinkSettings#jobConfiguration} inside {@code flink run})
     */
    public IngestJob(TidelineConfig config, Configuration flink) {
        this.config = config;
        this.flink = flink;
    }

    /** Runs only these sources (names of the {@code sources} section), e.g. one job per source. */
    public IngestJob onlySources(List<String> sources) {
        for (String name : sources) {
            if (!config.sources().containsKey(name)) {
                throw new IllegalArgumentException(
                        "--sources: no source '"
                                + name
                                + "'; sources are "
                                + config.sources().keySet());
            }
        }
        this.only = List.copyOf(sources);
        return this;
    }

    /**
     * Inserts {@code tap} on one source's path right after validation (it must pass every row on).
     * For tests that inject failures.
     */
    public IngestJob withTap(String source, MapFunction<RowData, RowData> tap) {
        this.tapSource = source;
        this.tap = tap;
        return this;
    }

    /** The names of the sources this job runs. */
    public List<String> sourceNames() {
        List<String> out = new ArrayList<>();
        config.enabledSources()
                .keySet()
                .forEach(
                        n -> {
                            if (only == null || only.contains(n)) {
                                out.add(n);
                            }
                        });
        return out;
    }

    /**
     * Runs a BATCH backfill to the end and returns its counts. A postgres-cdc source's slot is
     * confirmed to the run's end position only after the job (its Iceberg commits included)
     * finished; a failed run leaves it where it was.
     */
    public IngestSummary runBatch() throws Exception {
        StreamExecutionEnvironment env = plan(RuntimeExecutionMode.BATCH);
        List<CdcCatchUp> cdc = List.copyOf(catchUps);
        JobExecutionResult result;
        try {
            result = env.execute("tideline-ingest-batch");
        } catch (Exception e) {
            cdc.forEach(c -> c.abandon(config.postgres()));
            throw e;
        }
        for (CdcCatchUp c : cdc) {
            c.confirm(config.postgres());
        }
        return IngestSummary.fromAccumulators(result.getAllAccumulatorResults());
    }

    /** Starts the STREAMING job and returns a handle on it. */
    public Running startStreaming() throws Exception {
        JobClient client =
                plan(RuntimeExecutionMode.STREAMING).executeAsync("tideline-ingest-streaming");
        return new Running(client);
    }

    /** A running STREAMING job. */
    public static final class Running implements AutoCloseable {

        private final JobClient client;

        Running(JobClient client) {
            this.client = client;
        }

        public JobClient client() {
            return client;
        }

        /**
         * The counts so far. A running job's accumulators reach the client with the task managers'
         * heartbeats, so they can lag by a heartbeat interval.
         */
        public IngestSummary summary() throws Exception {
            return IngestSummary.fromAccumulators(
                    client.getAccumulators().get(30, TimeUnit.SECONDS));
        }

        /**
         * Stops the job with a savepoint in {@code savepointDir} (its last Iceberg commit included)
         * and returns the run's final counts.
         */
        public IngestSummary stop(String savepointDir) throws Exception {
            client.stopWithSavepoint(false, savepointDir, SavepointFormatType.CANONICAL)
                    .get(120, TimeUnit.SECONDS);
            JobExecutionResult result = client.getJobExecutionResult().get(120, TimeUnit.SECONDS);
            return IngestSummary.fromAccumulators(result.getAllAccumulatorResults());
        }

        @Override
        public void close() throws Exception {
            JobStatus status = client.getJobStatus().get(30, TimeUnit.SECONDS);
            if (!status.isGloballyTerminalState()) {
                client.cancel().get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Builds the job graph in an environment for {@code mode}, creating missing tables first. */
    public StreamExecutionEnvironment plan(RuntimeExecutionMode mode) throws IOException {
        List<String> names = sourceNames();
        if (!config.ingestion().enabled() || names.isEmpty()) {
            throw new IllegalStateException("sources: no source is enabled");
        }
        Map<TableIdentifier, Schema> schemas =
                IngestTables.ensure(IcebergCatalogs.open(config), config, names);
        StreamExecutionEnvironment env = FlinkSettings.environment(flink, mode);
        boolean batch = mode == RuntimeExecutionMode.BATCH;
        catchUps.clear();
        CatalogLoader catalog = IcebergCatalogs.loader(config);
        IngestionConfig ingestion = config.ingestion();
        TableIdentifier quarantineId = IngestTables.quarantine(ingestion);
        TableIdentifier lateId = IngestTables.late(ingestion);
        DataStream<RowData> quarantine = null;
        DataStream<RowData> late = null;
        for (String name : names) {
            Paths p = source(env, batch, catalog, schemas, name);
            DataStream<RowData> q = p.quarantined;
            if (batch) {
                q =
                        q.filter(
                                        new SkipCommitted(
                                                TableLoader.fromCatalog(catalog, quarantineId),
                                                name,
                                                true,
                                                IngestTables.Quarantine.SOURCE_POSITION,
                                                fileIngestion(
                                                        name,
                                                        IngestTables.Quarantine.INGESTION_TIME)))
                                .uid(name + "-quarantine-skip")
                                .name(name + ": skip committed (quarantine)");
            }
            quarantine = quarantine == null ? q : quarantine.union(q);
            if (p.late != null) {
                DataStream<RowData> l = p.late;
                if (batch) {
                    l =
                            l.filter(
                                            new SkipCommitted(
                                                    TableLoader.fromCatalog(catalog, lateId),
                                                    name,
                                                    true,
                                                    IngestTables.Late.SOURCE_POSITION,
                                                    fileIngestion(
                                                            name,
                                                            IngestTables.Late.INGESTION_TIME)))
                                    .uid(name + "-late-skip")
                                    .name(name + ": skip committed (late)");
                }
                late = late == null ? l : late.union(l);
            }
        }
        FlinkSink.forRowData(quarantine)
                .tableLoader(TableLoader.fromCatalog(catalog, quarantineId))
                .uidPrefix("quarantine-sink")
                .append();
        if (late != null) {
            FlinkSink.forRowData(late)
                    .tableLoader(TableLoader.fromCatalog(catalog, lateId))
                    .upsert(true)
                    .equalityFieldColumns(List.of("source", "key"))
                    .uidPrefix("late-sink")
                    .append();
        }
        return env;
    }

    /** For file drops, a delivery is its position and its file's version (modification time). */
    private int fileIngestion(String name, int ingestionField) {
        return config.sources().get(name).kind() == SourceConfig.Kind.FILES ? ingestionField : -1;
    }

    private record Paths(DataStream<RowData> quarantined, DataStream<RowData> late) {}

    private Paths source(
            StreamExecutionEnvironment env,
            boolean batch,
            CatalogLoader catalog,
            Map<TableIdentifier, Schema> schemas,
            String name)
            throws IOException {
        SourceConfig s = config.sources().get(name);
        IngestionConfig ingestion = config.ingestion();
        TableIdentifier tableId = IngestTables.table(config, name);
        Schema schema = schemas.get(tableId);
        List<String> columns = IngestTables.columnNames(schema);
        InternalTypeInfo<RowData> type = IngestTables.rowType(schema);
        RecordPlan plan = new RecordPlan(name, s, ingestion, columns);
        int ingestionIdx = columns.indexOf("ingestion_time");
        int positionIdx = columns.indexOf("source_position");
        boolean cdc = s.kind() == SourceConfig.Kind.POSTGRES_CDC;
        boolean jdbc = s.kind() == SourceConfig.Kind.JDBC;

        DataStream<RawRecord> raw =
                switch (s.kind()) {
                    case KAFKA -> kafka(env, batch, name, s);
                    case FILES -> files(env, batch, name, s);
                    case JDBC ->
                            env.fromSource(
                                            new CursorSource(name, config.postgres(), s, batch),
                                            WatermarkStrategy.noWatermarks(),
                                            name + ": jdbc")
                                    .setParallelism(1)
                                    .uid(name + "-source");
                    case POSTGRES_CDC -> cdc(env, batch, catalog, tableId, name, s);
                };
        if (cdc) {
            // A key's changes all take one path, in commit order; validation runs in parallel.
            raw = raw.partitionCustom(new ByRoute(), new RouteOf());
        }
        SingleOutputStreamOperator<RowData> valid =
                raw.process(new ValidateRecords(name, plan, s.eventTime() == null), type)
                        .uid(name + "-validate")
                        .name(name + ": validate");
        if (jdbc) {
            valid.setParallelism(1);
        }
        DataStream<RowData> rows = valid;
        if (tap != null && name.equals(tapSource)) {
            SingleOutputStreamOperator<RowData> tapped =
                    valid.map(tap, type).uid(name + "-tap").name(name + ": tap");
            if (jdbc) {
                tapped.setParallelism(1); // forward from the validation: rows keep their order
            }
            rows = tapped;
        }

        int[] keyIdx = s.key().stream().mapToInt(columns::indexOf).toArray();
        DataStream<RowData> late = null;
        if (s.eventTime() != null) {
            int eventIdx = columns.indexOf(s.eventTime());
            SingleOutputStreamOperator<RowData> onTime =
                    rows.assignTimestampsAndWatermarks(watermarks(eventIdx, ingestionIdx))
                            .uid(name + "-watermarks")
                            .process(
                                    new RouteLateEvents(
                                            name,
                                            schema,
                                            keyIdx,
                                            eventIdx,
                                            ingestionIdx,
                                            positionIdx,
                                            s.allowedLatenessOr(ingestion.allowedLateness())
                                                    .toMillis()),
                                    type)
                            .uid(name + "-lateness")
                            .name(name + ": lateness");
            InternalTypeInfo<RowData> lateType = IngestTables.rowType(IngestTables.LATE_SCHEMA);
            late =
                    onTime.getSideOutput(RouteLateEvents.LATE)
                            .keyBy(
                                    row -> row.getString(IngestTables.Late.KEY).toString(),
                                    Types.STRING)
                            .process(
                                    new FirstDeliveryWins(
                                            name,
                                            ingestion.dedupHorizon(),
                                            batch,
                                            null,
                                            IngestTables.Late.INGESTION_TIME,
                                            IngestTables.Late.SOURCE_POSITION,
                                            lateType,
                                            Bucket.LATE),
                                    lateType)
                            .uid(name + "-late-dedup")
                            .name(name + ": late, deduplicated");
            rows = onTime;
        }

        TableLoader table = TableLoader.fromCatalog(catalog, tableId);
        int fileIngestion = s.kind() == SourceConfig.Kind.FILES ? ingestionIdx : -1;
        if (s.key().isEmpty()) {
            DataStream<RowData> accepted =
                    rows.map(new CountAccepted(name, table), type)
                            .uid(name + "-accepted")
                            .name(name + ": accepted");
            if (batch) {
                accepted = skip(accepted, catalog, tableId, name, positionIdx, fileIngestion);
            }
            FlinkSink.forRowData(accepted).tableLoader(table).uidPrefix(name + "-sink").append();
        } else {
            RowKey key = new RowKey(schema, keyIdx, positionIdx);
            DataStream<RowData> kept;
            DataStream<RowData> versions;
            // Whether the keyed table held no row at submission: a first BATCH load can then be
            // appended, and a STREAMING CDC snapshot written without equality deletes. Only those
            // two cases load the table here.
            Table current = (batch ? !cdc : cdc) ? catalog.loadCatalog().loadTable(tableId) : null;
            boolean empty = current != null && isEmpty(current);
            boolean cdcInserts = cdc && !batch && empty;
            if (cdc) {
                CdcChanges changes =
                        new CdcChanges(name, schema, columns.indexOf(PostgresCdc.OP), cdcInserts);
                // Chained to the validation (the same route per key): the keyed table's sink then
                // keys the rows by the table's key.
                SingleOutputStreamOperator<RowData> out =
                        rows.process(changes, type).uid(name + "-changes").name(name + ": changes");
                kept = out;
                versions = out.getSideOutput(changes.changes());
            } else if (s.dedup() == SourceConfig.Dedup.LATEST) {
                int versionIdx = columns.indexOf(s.version());
                boolean time =
                        s.columnsInOrder().get(s.version()).columnType().kind()
                                == ColumnType.Kind.TIMESTAMP;
                int[] content =
                        IntStream.range(0, columns.size())
                                .filter(
                                        i ->
                                                !List.of(
                                                                "ingestion_time",
                                                                "processing_time",
                                                                "source_position")
                                                        .contains(columns.get(i)))
                                .toArray();
                LatestVersionWins latest =
                        new LatestVersionWins(
                                name,
                                schema,
                                versionIdx,
                                time,
                                content,
                                ingestionIdx,
                                positionIdx,
                                table,
                                batch);
                SingleOutputStreamOperator<RowData> out =
                        rows.keyBy(key, Types.STRING)
                                .process(latest, type)
                                .uid(name + "-latest")
                                .name(name + ": latest version");
                kept = out;
                versions = out.getSideOutput(latest.changes());
            } else {
                FirstDeliveryWins first =
                        new FirstDeliveryWins(
                                name,
                                ingestion.dedupHorizon(),
                                batch,
                                table,
                                ingestionIdx,
                                positionIdx,
                                type,
                                Bucket.ACCEPTED);
                SingleOutputStreamOperator<RowData> out =
                        rows.keyBy(key, Types.STRING)
                                .process(first, type)
                                .uid(name + "-dedup")
                                .name(name + ": dedup");
                kept = out;
                versions = out.getSideOutput(first.firstDeliveries());
            }
            TableIdentifier changelogId = IngestTables.changelog(tableId);
            if (batch) {
                // A CDC run repeats changes only after a run whose slot confirmation did not
                // happen: replayed in commit order, the upserts and deletes leave the keyed table
                // as the source is (skipping the ones it still holds would not: an older version
                // whose newer one was committed would come back). The change log skips them.
                if (!cdc) {
                    kept = skip(kept, catalog, tableId, name, positionIdx, fileIngestion);
                }
                versions = skip(versions, catalog, changelogId, name, positionIdx, fileIngestion);
            }
            if (batch && !cdc && empty) {
                // A first load: the table holds no key yet and this run's dedup emits one row per
                // key, so nothing needs replacing. Appended, the rows skip the upsert's shuffle by
                // key (in BATCH, a second sort) and its bookkeeping of every key written.
                LOG.info("{}: {} is empty: its first load is appended", name, tableId);
                FlinkSink.forRowData(kept)
                        .table(new AppendView(current))
                        .tableLoader(table)
                        .uidPrefix(name + "-sink")
                        .append();
            } else {
                // CdcChanges' changelog form (a fresh snapshot's rows inserted, every other change
                // as a delete and an insert) needs the sink's equality deletes without its upsert
                FlinkSink.forRowData(kept)
                        .tableLoader(table)
                        .upsert(!cdcInserts)
                        .equalityFieldColumns(s.key())
                        .uidPrefix(name + "-sink")
                        .append();
            }
            // Every version the keyed table takes, for readers that follow appends only (Iceberg's
            // streaming source cannot follow upserts).
            FlinkSink.forRowData(versions)
                    .tableLoader(TableLoader.fromCatalog(catalog, changelogId))
                    .uidPrefix(name + "-changelog-sink")
                    .append();
        }
        return new Paths(valid.getSideOutput(ValidateRecords.QUARANTINE), late);
    }

    /** A postgres-cdc record's route: the hash of its key, from the reader. */
    private static final class RouteOf implements KeySelector<RawRecord, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public Integer getKey(RawRecord r) {
            return r.route();
        }
    }

    /** One parallel instance per route. */
    private static final class ByRoute implements Partitioner<Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public int partition(Integer route, int partitions) {
            return MathUtils.murmurHash(route) % partitions;
        }
    }

    /** Whether a table holds no row: no snapshot yet, or none with a data row. */
    private static boolean isEmpty(Table table) {
        Snapshot current = table.currentSnapshot();
        return current == null || "0".equals(current.summary().get("total-records"));
    }

    private static DataStream<RowData> skip(
            DataStream<RowData> rows,
            CatalogLoader catalog,
            TableIdentifier table,
            String name,
            int positionIdx,
            int ingestionIdx) {
        return rows.filter(
                        new SkipCommitted(
                                TableLoader.fromCatalog(catalog, table),
                                name,
                                false,
                                positionIdx,
                                ingestionIdx))
                .uid(name + "-skip-" + table.name())
                .name(name + ": skip committed (" + table.name() + ")");
    }

    private DataStream<RawRecord> cdc(
            StreamExecutionEnvironment env,
            boolean batch,
            CatalogLoader catalog,
            TableIdentifier tableId,
            String name,
            SourceConfig s) {
        List<String> keyColumns = new ArrayList<>();
        for (String k : s.key()) {
            keyColumns.add(s.columnsInOrder().get(k).fromOr(k));
        }
        CdcPreflight.Table table;
        try {
            table = CdcPreflight.check(name, config.postgres(), s, keyColumns);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "sources." + name + ": cannot reach PostgreSQL: " + e.getMessage(), e);
        }
        CdcSource source = new CdcSource(name, config.postgres(), s, table);
        if (batch) {
            boolean committed;
            try (TableLoader loader = TableLoader.fromCatalog(catalog, tableId)) {
                loader.open();
                committed = loader.loadTable().currentSnapshot() != null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            CdcCatchUp run;
            try {
                run = CdcCatchUp.plan(name, config.postgres(), s.slotOr(name), committed);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(
                        "sources." + name + ": cannot reach PostgreSQL: " + e.getMessage(), e);
            }
            catchUps.add(run);
            source =
                    CdcSource.bounded(
                            name, config.postgres(), s, table, run.endLsn(), run.resumeFrom());
        }
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), name + ": postgres-cdc")
                .setParallelism(1)
                .uid(name + "-source");
    }

    private DataStream<RawRecord> kafka(
            StreamExecutionEnvironment env, boolean batch, String name, SourceConfig s) {
        KafkaSourceBuilder<RawRecord> kafka =
                KafkaSource.<RawRecord>builder()
                        .setProperties(config.kafka().clientProperties())
                        .setGroupId(s.groupIdOr(name))
                        .setDeserializer(new KafkaRecords(name));
        if (s.topicPattern() != null) {
            kafka.setTopicPattern(java.util.regex.Pattern.compile(s.topicPattern()));
        } else if (s.topic() != null) {
            kafka.setTopics(s.topic());
        } else {
            kafka.setTopics(s.topics());
        }
        if (batch) {
            kafka.setStartingOffsets(OffsetsInitializer.earliest())
                    .setBounded(OffsetsInitializer.latest());
        } else {
            kafka.setStartingOffsets(
                    switch (s.startingOffsets()) {
                        case EARLIEST -> OffsetsInitializer.earliest();
                        case LATEST -> OffsetsInitializer.latest();
                        case COMMITTED ->
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    });
        }
        return env.fromSource(kafka.build(), WatermarkStrategy.noWatermarks(), name + ": kafka")
                .uid(name + "-source");
    }

    private DataStream<RawRecord> files(
            StreamExecutionEnvironment env, boolean batch, String name, SourceConfig s)
            throws IOException {
        String folder = s.folder();
        if (!folder.contains("://")) {
            Files.createDirectories(java.nio.file.Path.of(folder));
        }
        DropFiles files = new DropFiles(s);
        DropFileFormat format =
                new DropFileFormat(
                        name, folder, files, s.headerLine(), s.maxRecordBytes(), s.charset());
        if (!batch) {
            // Monitored: the files already read are remembered for seen-files-retention after
            // they leave the folder, not for ever (Flink's own enumerator never forgets one).
            return env.fromSource(
                            new DropFileSource(
                                    new Path(folder),
                                    () -> new VersionedFiles(files),
                                    format,
                                    s.monitorInterval(),
                                    s.seenFilesRetention()),
                            WatermarkStrategy.noWatermarks(),
                            name + ": files")
                    .uid(name + "-source");
        }
        FileSource<RawRecord> once =
                FileSource.forBulkFileFormat(format, new Path(folder))
                        .setFileEnumerator(() -> new VersionedFiles(files))
                        .build();
        return env.fromSource(once, WatermarkStrategy.noWatermarks(), name + ": files")
                .uid(name + "-source");
    }

    private WatermarkStrategy<RowData> watermarks(int timeField, int ingestionField) {
        WatermarkConfig wc = config.ingestion().watermark();
        WatermarkStrategy<RowData> w =
                WatermarkStrategy.<RowData>forBoundedOutOfOrderness(wc.outOfOrderness())
                        .withTimestampAssigner(
                                (row, previous) ->
                                        row.isNullAt(timeField)
                                                ? row.getTimestamp(ingestionField, 6)
                                                        .getMillisecond()
                                                : row.getTimestamp(timeField, 6).getMillisecond());
        Duration idleness = wc.idleness();
        return idleness.isZero() ? w : w.withIdleness(idleness);
    }

    /**
     * Creates the namespace and every table this job writes (and adds declared columns they lack),
     * as {@link #plan} does, without starting anything: for readers that must exist before the
     * first commit.
     *
     * @return each table's schema after the change
     */
    public Map<TableIdentifier, Schema> createTables() {
        return IngestTables.ensure(IcebergCatalogs.open(config), config, sourceNames());
    }

    /** The schema of each table this job writes, as the configuration declares it. */
    public Map<TableIdentifier, Schema> tables() {
        return IngestTables.all(config, sourceNames());
    }

    /**
     * {@code IngestJob --config FILE --mode BATCH|STREAMING}: runs the ingestion job, on the
     * cluster of {@code flink run} or, from a plain JVM, on a local environment. BATCH prints the
     * counts and exits 1 when the invariant does not hold.
     */
    public static void main(String[] args) throws Exception {
        String file = null;
        RuntimeExecutionMode mode = RuntimeExecutionMode.STREAMING;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> file = args[++i];
                case "--mode" -> mode = RuntimeExecutionMode.valueOf(args[++i].toUpperCase());
                case "--sources" -> only = List.of(args[++i].split(","));
                default -> {
                    System.err.println(
                            "usage: IngestJob --config FILE [--mode BATCH|STREAMING] [--sources"
                                    + " a,b]");
                    System.exit(2);
                }
            }
        }
        if (file == null) {
            System.err.println(
                    "usage: IngestJob --config FILE [--mode BATCH|STREAMING] [--sources a,b]");
            System.exit(2);
        }
        TidelineConfig config = ConfigLoader.fromEnvironment().load(java.nio.file.Path.of(file));
        IngestJob job = new IngestJob(config, FlinkSettings.jobConfiguration(config.flink()));
        if (only != null) {
            job.onlySources(only);
        }
        if (mode == RuntimeExecutionMode.BATCH) {
            IngestSummary summary = job.runBatch();
            System.out.print(summary);
            if (!summary.balanced()) {
                System.exit(1);
            }
        } else {
            job.plan(RuntimeExecutionMode.STREAMING).execute("tideline-ingest-streaming");
        }
    }
}
