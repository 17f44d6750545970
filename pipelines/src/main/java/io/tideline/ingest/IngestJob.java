/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.EventsSourceConfig;
import io.tideline.config.SourcesConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.ingest.dedup.FirstDeliveryWins;
import io.tideline.ingest.dedup.LatestVersionWins;
import io.tideline.ingest.files.DropFileFormat;
import io.tideline.ingest.files.DropFiles;
import io.tideline.ingest.kafka.EventRecords;
import io.tideline.ingest.postgres.CustomersSource;
import io.tideline.ingest.time.RouteLateEvents;
import io.tideline.ingest.validate.CustomerValidator;
import io.tideline.ingest.validate.EventValidator;
import io.tideline.ingest.validate.OrderValidator;
import io.tideline.ingest.validate.ValidateRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
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
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The ingestion job: the events topic, the orders drop folder and the customers table into the
 * {@code raw.*} Iceberg tables, validated, deduplicated, on event time, exactly once. One code path
 * for both modes:
 *
 * <ul>
 *   <li>{@code BATCH} (backfill): the topic from the earliest to the latest offsets, the folder
 *       once, the table once; Iceberg commits at the end.
 *   <li>{@code STREAMING} (continuous): the topic, the folder monitored, the table polled by its
 *       {@code updated_at} cursor; Iceberg commits on each checkpoint.
 * </ul>
 *
 * <p>Run it with {@code --config tideline.yaml --mode BATCH|STREAMING}.
 */
public final class IngestJob {

    public static final String EVENTS = "events";
    public static final String ORDERS = "orders";
    public static final String CUSTOMERS = "customers";
    public static final List<String> SOURCES = List.of(EVENTS, ORDERS, CUSTOMERS);

    private final TidelineConfig config;
    private final Configuration flink;
    private MapFunction<RowData, RowData> eventsTap;

    /**
     * @param config the deployment: Kafka, PostgreSQL, the catalog and the {@code sources} section
     * @param flink the Flink client configuration (a cluster's, or {@link
     *     FlinkSettings#jobConfiguration} inside {@code flink run})
     */
    public IngestJob(TidelineConfig config, Configuration flink) {
        this.config = config;
        this.flink = flink;
    }

    /**
     * Inserts {@code tap} on the events path right after validation (it must pass every row on).
     * For tests that inject failures.
     */
    public IngestJob withEventsTap(MapFunction<RowData, RowData> tap) {
        this.eventsTap = tap;
        return this;
    }

    /** Runs a BATCH backfill to the end and returns its counts. */
    public IngestSummary runBatch() throws Exception {
        JobExecutionResult result =
                plan(RuntimeExecutionMode.BATCH).execute("tideline-ingest-batch");
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
        SourcesConfig sources = config.sources();
        if (!sources.enabled()
                || !(sources.events().enabled()
                        || sources.orders().enabled()
                        || sources.customers().enabled())) {
            throw new IllegalStateException("sources: no source is enabled");
        }
        IngestTables.ensure(IcebergCatalogs.open(config));
        StreamExecutionEnvironment env = FlinkSettings.environment(flink, mode);
        boolean batch = mode == RuntimeExecutionMode.BATCH;
        CatalogLoader catalog = IcebergCatalogs.loader(config);
        List<DataStream<RowData>> quarantined = new ArrayList<>();

        if (sources.events().enabled()) {
            quarantined.add(events(env, batch, catalog));
        }
        if (sources.orders().enabled()) {
            quarantined.add(orders(env, batch, catalog));
        }
        if (sources.customers().enabled()) {
            quarantined.add(customers(env, batch, catalog));
        }

        DataStream<RowData> quarantine = quarantined.get(0);
        for (int i = 1; i < quarantined.size(); i++) {
            quarantine = quarantine.union(quarantined.get(i));
        }
        FlinkSink.forRowData(quarantine)
                .tableLoader(TableLoader.fromCatalog(catalog, IngestTables.QUARANTINE))
                .uidPrefix("quarantine-sink")
                .append();
        return env;
    }

    private DataStream<RowData> events(
            StreamExecutionEnvironment env, boolean batch, CatalogLoader catalog) {
        SourcesConfig s = config.sources();
        EventsSourceConfig e = s.events();
        InternalTypeInfo<RowData> type = IngestTables.rowType(IngestTables.EVENTS_SCHEMA);
        KafkaSourceBuilder<RawRecord> kafka =
                KafkaSource.<RawRecord>builder()
                        .setProperties(config.kafka().clientProperties())
                        .setTopics(e.topic())
                        .setGroupId(e.groupId())
                        .setDeserializer(new EventRecords());
        if (batch) {
            kafka.setStartingOffsets(OffsetsInitializer.earliest())
                    .setBounded(OffsetsInitializer.latest());
        } else {
            kafka.setStartingOffsets(
                    switch (e.startingOffsets()) {
                        case EARLIEST -> OffsetsInitializer.earliest();
                        case LATEST -> OffsetsInitializer.latest();
                        case COMMITTED ->
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    });
        }
        SingleOutputStreamOperator<RowData> valid =
                env.fromSource(kafka.build(), WatermarkStrategy.noWatermarks(), "events: kafka")
                        .uid("events-source")
                        .process(new ValidateRecords(EVENTS, new EventValidator(s)), type)
                        .uid("events-validate")
                        .name("events: validate");
        DataStream<RowData> tapped =
                eventsTap == null
                        ? valid
                        : valid.map(eventsTap, type).uid("events-tap").name("events: tap");
        SingleOutputStreamOperator<RowData> onTime =
                tapped.assignTimestampsAndWatermarks(watermarks(s, IngestTables.Events.EVENT_TIME))
                        .uid("events-watermarks")
                        .process(new RouteLateEvents(s.allowedLateness().toMillis()), type)
                        .uid("events-lateness")
                        .name("events: lateness");
        FlinkSink.forRowData(onTime.getSideOutput(RouteLateEvents.LATE))
                .tableLoader(TableLoader.fromCatalog(catalog, IngestTables.LATE_EVENTS))
                .uidPrefix("late-events-sink")
                .append();
        SingleOutputStreamOperator<RowData> firsts =
                onTime.keyBy(
                                row -> row.getString(IngestTables.Events.EVENT_ID).toString(),
                                Types.STRING)
                        .process(
                                new FirstDeliveryWins(
                                        s.dedupHorizon(),
                                        !batch,
                                        TableLoader.fromCatalog(catalog, IngestTables.EVENTS)),
                                type)
                        .uid("events-dedup")
                        .name("events: dedup");
        upsert(firsts, catalog, IngestTables.EVENTS, "event_id", "events-sink");
        changelog(
                firsts.getSideOutput(FirstDeliveryWins.FIRST_DELIVERIES),
                catalog,
                IngestTables.EVENTS_CHANGELOG,
                "events-changelog-sink");
        return valid.getSideOutput(ValidateRecords.QUARANTINE);
    }

    private DataStream<RowData> orders(
            StreamExecutionEnvironment env, boolean batch, CatalogLoader catalog)
            throws IOException {
        SourcesConfig s = config.sources();
        String folder = s.orders().folder();
        if (!folder.contains("://")) {
            Files.createDirectories(java.nio.file.Path.of(folder));
        }
        InternalTypeInfo<RowData> type = IngestTables.rowType(IngestTables.ORDERS_SCHEMA);
        DropFiles files = new DropFiles(s.orders().formats());
        FileSource.FileSourceBuilder<RawRecord> builder =
                FileSource.forBulkFileFormat(new DropFileFormat(folder, files), new Path(folder));
        builder.setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(files));
        if (!batch) {
            builder.monitorContinuously(s.orders().monitorInterval());
        }
        SingleOutputStreamOperator<RowData> valid =
                env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "orders: files")
                        .uid("orders-source")
                        .process(new ValidateRecords(ORDERS, new OrderValidator(s)), type)
                        .uid("orders-validate")
                        .name("orders: validate");
        DataStream<RowData> latest =
                valid.assignTimestampsAndWatermarks(watermarks(s, IngestTables.Orders.UPDATED_AT))
                        .uid("orders-watermarks")
                        .keyBy(
                                row -> row.getString(IngestTables.Orders.ORDER_ID).toString(),
                                Types.STRING)
                        .process(
                                new LatestVersionWins<String>(
                                        ORDERS,
                                        IngestTables.ORDERS_SCHEMA,
                                        IngestTables.Orders.UPDATED_AT,
                                        range(IngestTables.Orders.EXTRA_FIELDS + 1),
                                        IngestTables.Orders.INGESTION_TIME,
                                        IngestTables.Orders.SOURCE_POSITION,
                                        TableLoader.fromCatalog(catalog, IngestTables.ORDERS)),
                                type)
                        .uid("orders-latest")
                        .name("orders: latest version");
        upsert(latest, catalog, IngestTables.ORDERS, "order_id", "orders-sink");
        changelog(latest, catalog, IngestTables.ORDERS_CHANGELOG, "orders-changelog-sink");
        return valid.getSideOutput(ValidateRecords.QUARANTINE);
    }

    private DataStream<RowData> customers(
            StreamExecutionEnvironment env, boolean batch, CatalogLoader catalog) {
        SourcesConfig s = config.sources();
        InternalTypeInfo<RowData> type = IngestTables.rowType(IngestTables.CUSTOMERS_SCHEMA);
        SingleOutputStreamOperator<RowData> valid =
                env.fromSource(
                                new CustomersSource(config.postgres(), s.customers(), batch),
                                WatermarkStrategy.noWatermarks(),
                                "customers: postgres")
                        .setParallelism(1)
                        .uid("customers-source")
                        .process(new ValidateRecords(CUSTOMERS, new CustomerValidator(s)), type)
                        .setParallelism(1)
                        .uid("customers-validate")
                        .name("customers: validate");
        DataStream<RowData> latest =
                valid.assignTimestampsAndWatermarks(
                                watermarks(s, IngestTables.Customers.UPDATED_AT))
                        .setParallelism(1)
                        .uid("customers-watermarks")
                        .keyBy(row -> row.getLong(IngestTables.Customers.ID), Types.LONG)
                        .process(
                                new LatestVersionWins<Long>(
                                        CUSTOMERS,
                                        IngestTables.CUSTOMERS_SCHEMA,
                                        IngestTables.Customers.UPDATED_AT,
                                        range(IngestTables.Customers.UPDATED_AT + 1),
                                        IngestTables.Customers.INGESTION_TIME,
                                        IngestTables.Customers.SOURCE_POSITION,
                                        TableLoader.fromCatalog(catalog, IngestTables.CUSTOMERS)),
                                type)
                        .uid("customers-latest")
                        .name("customers: latest version");
        upsert(latest, catalog, IngestTables.CUSTOMERS, "id", "customers-sink");
        changelog(latest, catalog, IngestTables.CUSTOMERS_CHANGELOG, "customers-changelog-sink");
        return valid.getSideOutput(ValidateRecords.QUARANTINE);
    }

    private static void upsert(
            DataStream<RowData> rows,
            CatalogLoader catalog,
            TableIdentifier table,
            String key,
            String uidPrefix) {
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(catalog, table))
                .upsert(true)
                .equalityFieldColumns(List.of(key))
                .uidPrefix(uidPrefix)
                .append();
    }

    /**
     * Appends every version a keyed table takes to its change log ({@code raw.*_changelog}), which
     * Iceberg's streaming source can follow (it cannot follow upserts).
     */
    private static void changelog(
            DataStream<RowData> rows,
            CatalogLoader catalog,
            TableIdentifier table,
            String uidPrefix) {
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(catalog, table))
                .uidPrefix(uidPrefix)
                .append();
    }

    private static WatermarkStrategy<RowData> watermarks(SourcesConfig s, int timeField) {
        WatermarkStrategy<RowData> w =
                WatermarkStrategy.<RowData>forBoundedOutOfOrderness(s.watermark().outOfOrderness())
                        .withTimestampAssigner(
                                (row, previous) -> row.getTimestamp(timeField, 6).getMillisecond());
        Duration idleness = s.watermark().idleness();
        return idleness.isZero() ? w : w.withIdleness(idleness);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** The schema of each table this job writes. */
    public static Map<TableIdentifier, Schema> tables() {
        return IngestTables.all();
    }

    /**
     * {@code IngestJob --config FILE --mode BATCH|STREAMING}: runs the ingestion job, on the
     * cluster of {@code flink run} or, from a plain JVM, on a local environment. BATCH prints the
     * counts and exits 1 when the invariant does not hold.
     */
    public static void main(String[] args) throws Exception {
        String file = null;
        RuntimeExecutionMode mode = RuntimeExecutionMode.STREAMING;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> file = args[++i];
                case "--mode" -> mode = RuntimeExecutionMode.valueOf(args[++i].toUpperCase());
                default -> {
                    System.err.println("usage: IngestJob --config FILE [--mode BATCH|STREAMING]");
                    System.exit(2);
                }
            }
        }
        if (file == null) {
            System.err.println("usage: IngestJob --config FILE [--mode BATCH|STREAMING]");
            System.exit(2);
        }
        TidelineConfig config = ConfigLoader.fromEnvironment().load(java.nio.file.Path.of(file));
        IngestJob job = new IngestJob(config, FlinkSettings.jobConfiguration(config.flink()));
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
