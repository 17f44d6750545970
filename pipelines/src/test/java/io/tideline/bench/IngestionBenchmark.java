/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.Durations;
import io.tideline.config.MaintenanceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.ingest.IngestTables;
import io.tideline.local.Folders;
import io.tideline.local.LocalFlink;
import io.tideline.local.LocalKafka;
import io.tideline.maintenance.TableMaintenance;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ingestion benchmark (issue 3): on one topic of N product events (about 300 bytes each),
 * events per second of
 *
 * <ol>
 *   <li>(a) the ingestion job in BATCH mode (validation, dedup, lateness, quarantine, upserts into
 *       {@code landing.events});
 *   <li>(b) a plain Flink SQL {@code INSERT INTO <iceberg> SELECT ... FROM <kafka>} in BATCH mode;
 *   <li>(c) a raw Kafka consumer that only reads the topic;
 * </ol>
 *
 * then the event-to-visible latency (Kafka record timestamp to the Iceberg commit that made the row
 * readable) of the STREAMING ingestion job, p50 and p99, for each checkpoint interval given.
 *
 * <p>Everything runs in this JVM but the broker (its own JVM, as in the local platform): a Flink
 * MiniCluster with parallelism 2 and an Iceberg Hadoop catalog on a local warehouse. Not run by
 * {@code verify}; see pipelines/benchmarks/INGESTION.md for the command and the results.
 */
public final class IngestionBenchmark {

    private static final String[] TYPES = {
        "page_view",
        "page_view",
        "signup",
        "add_to_cart",
        "checkout",
        "order_placed",
        "order_refunded"
    };

    public static void main(String[] args) throws Exception {
        long events = 2_000_000;
        int latencySeconds = 30;
        int latencyRate = 2_000;
        int warmupSeconds = 10;
        int soakMinutes = 0;
        Duration maintainEvery = Duration.ofMinutes(1);
        List<Duration> intervals = List.of(Duration.ofSeconds(2), Duration.ofSeconds(5));
        Path dir = Path.of("target/bench");
        boolean latencyOnly = false;
        boolean throughputOnly = false;
        String managedMemory = null;
        Map<String, String> tableProperties = new java.util.LinkedHashMap<>();
        Map<String, String> changelogProperties = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--latency-seconds" -> latencySeconds = Integer.parseInt(args[++i]);
                case "--latency-rate" -> latencyRate = Integer.parseInt(args[++i]);
                case "--latency-warmup" -> warmupSeconds = Integer.parseInt(args[++i]);
                case "--checkpoint-intervals" ->
                        intervals =
                                Arrays.stream(args[++i].split(",")).map(Durations::parse).toList();
                case "--dir" -> dir = Path.of(args[++i]);
                case "--latency-only" -> latencyOnly = true;
                case "--throughput-only" -> throughputOnly = true;
                case "--managed-memory" -> managedMemory = args[++i];
                case "--table-property" ->
                        BenchTables.property(tableProperties, args[i], args[++i]);
                case "--changelog-property" ->
                        BenchTables.property(changelogProperties, args[i], args[++i]);
                case "--soak-minutes" -> soakMinutes = Integer.parseInt(args[++i]);
                case "--maintain-every" -> maintainEvery = Durations.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        dir = Folders.fresh(dir.toAbsolutePath());
        StringBuilder report = new StringBuilder();
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
            io.tideline.config.FlinkConfig fc =
                    new io.tideline.config.FlinkConfig(
                            2,
                            Duration.ofSeconds(10),
                            null,
                            false,
                            0,
                            managedMemory == null
                                    ? Map.of()
                                    : Map.of("taskmanager.memory.managed.size", managedMemory));
            try (LocalFlink flink = LocalFlink.start(fc, 8)) {
                if (!latencyOnly) {
                    throughput(
                            dir,
                            kafka,
                            flink,
                            events,
                            tableProperties,
                            changelogProperties,
                            report);
                }
                if (!throughputOnly) {
                    latencies(
                            dir,
                            kafka,
                            flink,
                            warmupSeconds,
                            latencySeconds,
                            latencyRate,
                            intervals,
                            soakMinutes,
                            maintainEvery,
                            report);
                }
            }
        }
        System.out.println(report);
        Files.writeString(dir.resolve("results.md"), report.toString());
    }

    private static TidelineConfig config(
            Path dir, LocalKafka kafka, String topic, String warehouse, Duration interval) {
        String yaml =
                String.join(
                                "\n",
                                "kafka:",
                                "  embedded: false",
                                "  bootstrap-servers: [" + kafka.bootstrapServers() + "]",
                                "")
                        + BenchYaml.lakeAndFlink(warehouse, interval)
                        + IngestFixtures.demoSources(topic, "bench-" + warehouse, null, "events");
        return new ConfigLoader(System::getenv).parse(yaml, "bench.yaml", dir);
    }

    private static void throughput(
            Path dir,
            LocalKafka kafka,
            LocalFlink flink,
            long events,
            Map<String, String> tableProperties,
            Map<String, String> changelogProperties,
            StringBuilder report)
            throws Exception {
        String topic = "bench-events";
        kafka.createTopic(topic, 2);
        TidelineConfig a = config(dir, kafka, topic, "warehouse-a", Duration.ofSeconds(10));

        long t = System.nanoTime();
        long bytes = produce(a, topic, events);
        double produceSeconds = seconds(t);
        log(
                "produced %,d events (%,d bytes, %.0f bytes each) in %.1f s",
                events, bytes, (double) bytes / events, produceSeconds);

        t = System.nanoTime();
        long consumed = rawConsume(a, topic);
        double rawSeconds = seconds(t);
        log("(c) raw consume: %,d in %.2f s", consumed, rawSeconds);

        if (!tableProperties.isEmpty() || !changelogProperties.isEmpty()) {
            BenchTables.createWithProperties(
                    a, List.of("events"), tableProperties, changelogProperties);
            log(
                    "table properties of (a) and (b): %s; of (a)'s change log: %s",
                    tableProperties, changelogProperties);
        }
        log("(a) ingestion job BATCH: starting");
        t = System.nanoTime();
        IngestSummary summary = new IngestJob(a, flink.clientConfiguration(a.flink())).runBatch();
        double ingestSeconds = seconds(t);
        log("(a) ingestion job BATCH: %s in %.2f s", summary.of("events"), ingestSeconds);

        log("(b) plain SQL BATCH: starting");
        t = System.nanoTime();
        long sqlRows = plainSql(a, flink.clientConfiguration(a.flink()), topic, tableProperties);
        double sqlSeconds = seconds(t);
        log("(b) plain SQL BATCH: %,d rows in %.2f s", sqlRows, sqlSeconds);

        double ra = events / ingestSeconds;
        double rb = events / sqlSeconds;
        double rc = events / rawSeconds;
        report.append("| Job | Time (s) | Events/s |\n|---|---:|---:|\n");
        report.append(row("(a) ingestion job, BATCH", ingestSeconds, ra));
        report.append(row("(b) plain Flink SQL Kafka → Iceberg, BATCH", sqlSeconds, rb));
        report.append(row("(c) raw Kafka consumer (1 thread)", rawSeconds, rc));
        report.append(
                String.format(
                        "%nRatios: (a)/(b) = %.2f, (a)/(c) = %.2f. Events: %,d (%.0f bytes each)."
                                + " Ingestion counts: %s%n%n",
                        ra / rb, ra / rc, events, (double) bytes / events, summary.of("events")));
    }

    private static void latencies(
            Path dir,
            LocalKafka kafka,
            LocalFlink flink,
            int warmupSeconds,
            int latencySeconds,
            int latencyRate,
            List<Duration> intervals,
            int soakMinutes,
            Duration maintainEvery,
            StringBuilder report)
            throws Exception {
        StringBuilder soak = new StringBuilder();
        report.append(
                "| Checkpoint interval | Events | p50 (ms) | p99 (ms) | max (ms) | Goal p99 ≤"
                        + " interval + 0.5 s (issue 16) |\n|---|---:|---:|---:|---:|---|\n");
        List<Duration> runs = new ArrayList<>(intervals);
        if (soakMinutes > 0) {
            runs.add(null); // the soak: 1 s checkpoints, with maintenance
        }
        for (Duration run : runs) {
            Duration interval = run == null ? Duration.ofSeconds(1) : run;
            long[] latencies =
                    latency(
                            dir,
                            kafka,
                            flink,
                            interval,
                            warmupSeconds,
                            run == null ? soakMinutes * 60 - warmupSeconds : latencySeconds,
                            latencyRate,
                            run == null ? maintainEvery : null,
                            soak);
            Arrays.sort(latencies);
            long p50 = latencies[(int) (latencies.length * 0.50)];
            long p99 = latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))];
            long max = latencies[latencies.length - 1];
            log("latency at %s: p50 %d ms, p99 %d ms, max %d ms", interval, p50, p99, max);
            report.append(
                    String.format(
                            "| %s | %,d | %d | %d | %d | %s |%n",
                            Durations.format(interval)
                                    + (run == null
                                            ? " ("
                                                    + soakMinutes
                                                    + " min, maintenance every "
                                                    + Durations.format(maintainEvery)
                                                    + ")"
                                            : ""),
                            latencies.length,
                            p50,
                            p99,
                            max,
                            p99 <= interval.toMillis() + 500 ? "met" : "not met"));
        }
        report.append(soak);
    }

    private static String row(String name, double seconds, double rate) {
        return String.format("| %s | %.2f | %,.0f |%n", name, seconds, rate);
    }

    /** One event of about 300 bytes; amounts and currencies on orders and refunds. */
    static byte[] event(long i, long now, Random random) {
        String type = TYPES[(int) (i % TYPES.length)];
        StringBuilder s = new StringBuilder(320);
        s.append("{\"event_id\":\"ev-")
                .append(String.format("%012d", i))
                .append("\",\"event_type\":\"")
                .append(type)
                .append("\",\"customer_id\":\"")
                .append(100_000 + random.nextInt(900_000))
                .append("\",\"occurred_at\":")
                .append(now - random.nextInt(60_000));
        if (type.startsWith("order_")) {
            s.append(",\"amount\":\"")
                    .append(random.nextInt(50_000) / 100)
                    .append('.')
                    .append(String.format("%02d", random.nextInt(100)))
                    .append("\",\"currency\":\"")
                    .append(i % 2 == 0 ? "EUR" : "USD")
                    .append('"');
        }
        s.append(",\"properties\":{\"page\":\"/products/sku-")
                .append(random.nextInt(100_000))
                .append("\",\"referrer\":\"https://www.example.com/campaigns/spring-sale?utm=")
                .append(random.nextInt(1000))
                .append("\",\"device\":\"")
                .append(random.nextBoolean() ? "mobile" : "desktop")
                .append("\",\"session_id\":\"s-")
                .append(String.format("%010d", random.nextInt(1_000_000_000)))
                .append("\"}");
        if (s.length() < 290) {
            s.append(",\"user_agent\":\"Mozilla/5.0\"");
        }
        s.append('}');
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer(TidelineConfig config) {
        Properties p = config.kafka().clientProperties();
        p.put("acks", "1");
        p.put("linger.ms", "20");
        p.put("batch.size", String.valueOf(512 * 1024));
        p.put("buffer.memory", String.valueOf(128L * 1024 * 1024));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long produce(TidelineConfig config, String topic, long events) {
        Random random = new Random(42);
        long bytes = 0;
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            for (long i = 0; i < events; i++) {
                byte[] value = event(i, now, random);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, (int) (i % 2), null, value));
            }
            producer.flush();
        }
        return bytes;
    }

    private static long rawConsume(TidelineConfig config, String topic) {
        Properties p = config.kafka().clientProperties();
        p.put("group.id", "bench-raw");
        p.put("enable.auto.commit", "false");
        p.put("max.poll.records", "10000");
        p.put("fetch.max.bytes", String.valueOf(64 * 1024 * 1024));
        p.put("max.partition.fetch.bytes", String.valueOf(16 * 1024 * 1024));
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            long checksum = 0;
            while (count < total) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    checksum += r.value().length;
                    count++;
                }
            }
            if (checksum == 0) {
                throw new IllegalStateException("no bytes consumed");
            }
        }
        return count;
    }

    private static long plainSql(
            TidelineConfig config,
            Configuration flink,
            String topic,
            Map<String, String> tableProperties)
            throws Exception {
        StreamTableEnvironment tEnv = BenchSql.batch(config, flink);
        StringBuilder with = new StringBuilder("'format-version' = '2'");
        tableProperties.forEach(
                (k, v) -> with.append(", '").append(k).append("' = '").append(v).append("'"));
        tEnv.executeSql(
                "CREATE TABLE IF NOT EXISTS tideline.bench.plain_events (event_id STRING,"
                        + " event_type STRING, customer_id STRING, anonymous_id STRING, event_time"
                        + " TIMESTAMP_LTZ(6), amount DECIMAL(18, 2), currency STRING, properties"
                        + " STRING) WITH ("
                        + with
                        + ")");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE kafka_events (event_id STRING, event_type STRING,"
                        + " customer_id STRING, anonymous_id STRING, occurred_at BIGINT, amount"
                        + " DECIMAL(18, 2), currency STRING, properties STRING) WITH ("
                        + "'connector' = 'kafka', 'topic' = '"
                        + topic
                        + "', 'properties.bootstrap.servers' = '"
                        + config.kafka().bootstrapServersString()
                        + "', 'properties.group.id' = 'bench-sql', 'scan.startup.mode' ="
                        + " 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' ="
                        + " 'json')");
        tEnv.executeSql(
                        "INSERT INTO tideline.bench.plain_events SELECT event_id, event_type,"
                                + " customer_id, anonymous_id, TO_TIMESTAMP_LTZ(occurred_at, 3),"
                                + " amount, currency, properties FROM kafka_events")
                .await();
        Table table =
                IcebergCatalogs.open(config)
                        .loadTable(
                                org.apache.iceberg.catalog.TableIdentifier.of(
                                        "bench", "plain_events"));
        return Long.parseLong(table.currentSnapshot().summary().get("total-records"));
    }

    /**
     * Streams events at {@code rate} per second for {@code warmup + seconds} into the STREAMING
     * ingestion job, and returns, per event of the last {@code seconds} (the job's start, its first
     * checkpoints and the JIT's warm-up are not what a running job's freshness is), the time from
     * its Kafka record timestamp to the commit of the snapshot in which it first became readable.
     * With {@code maintainEvery}, a maintenance pass ({@link TableMaintenance}, as {@code tideline
     * maintain} runs it) goes over the table and its change log that often while the job runs, and
     * the run ends with a census of their files.
     */
    private static long[] latency(
            Path dir,
            LocalKafka kafka,
            LocalFlink flink,
            Duration interval,
            int warmup,
            int seconds,
            int rate,
            Duration maintainEvery,
            StringBuilder report)
            throws Exception {
        String name = "latency-" + interval.toMillis() + (maintainEvery == null ? "" : "-soak");
        kafka.createTopic(name, 2);
        TidelineConfig config = config(dir, kafka, name, "warehouse-" + name, interval);
        long warm = (long) warmup * rate;
        long total = warm + (long) seconds * rate;
        IngestJob.Running running =
                new IngestJob(config, flink.clientConfiguration(config.flink())).startStreaming();
        Table table = null;
        ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor();
        List<TableMaintenance.Result> passes = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            Random random = new Random(7);
            long start = System.nanoTime();
            Visibility visibility = null;
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                producer.send(
                        new ProducerRecord<>(
                                name,
                                (int) (i % 2),
                                null,
                                event(i, System.currentTimeMillis(), random)));
                if (visibility == null && i % rate == 0) {
                    Catalog catalog = IcebergCatalogs.open(config);
                    if (catalog.tableExists(IngestFixtures.EVENTS_TABLE)) {
                        table = catalog.loadTable(IngestFixtures.EVENTS_TABLE);
                        visibility = new Visibility(table, warm);
                        visibility.start();
                        if (maintainEvery != null) {
                            Runnable pass = maintenancePass(config, flink, passes);
                            maintenance.scheduleWithFixedDelay(
                                    pass,
                                    maintainEvery.toMillis(),
                                    maintainEvery.toMillis(),
                                    TimeUnit.MILLISECONDS);
                        }
                    }
                }
            }
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (visibility == null || visibility.seen() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the latency run did not catch up");
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
            maintenance.shutdown();
            maintenance.awaitTermination(5, TimeUnit.MINUTES);
            visibility.stop();
            running.stop(dir.resolve("savepoints").toUri().toString());
            if (maintainEvery != null) {
                census(
                        config,
                        visibility.written(),
                        seconds + warmup,
                        maintainEvery,
                        passes,
                        report);
            }
            return visibility.latencies();
        } finally {
            maintenance.shutdownNow();
            running.close();
        }
    }

    /** One maintenance pass over the events table and its change log, logged and kept. */
    private static Runnable maintenancePass(
            TidelineConfig config, LocalFlink flink, List<TableMaintenance.Result> passes) {
        MaintenanceConfig policy =
                new MaintenanceConfig(
                        null, null, null, null, Duration.ofMinutes(1), null, null, null);
        TableMaintenance maintenance =
                new TableMaintenance(policy, flink.clientConfiguration(config.flink()));
        return () -> {
            Catalog catalog = IcebergCatalogs.open(config);
            for (TableIdentifier id :
                    List.of(
                            IngestFixtures.EVENTS_TABLE,
                            IngestTables.changelog(IngestFixtures.EVENTS_TABLE))) {
                try {
                    TableMaintenance.Result r =
                            maintenance.maintain(
                                    id.toString(), catalog.loadTable(id), Instant.now());
                    log("maintenance: %s", r);
                    synchronized (passes) {
                        passes.add(r);
                    }
                } catch (RuntimeException e) {
                    log("maintenance of %s FAILED: %s", id, e);
                    synchronized (passes) {
                        passes.add(null);
                    }
                }
            }
        };
    }

    /** The files of the events table and its change log after the soak, into the report. */
    private static void census(
            TidelineConfig config,
            long writtenByJob,
            int seconds,
            Duration maintainEvery,
            List<TableMaintenance.Result> passes,
            StringBuilder report) {
        Catalog catalog = IcebergCatalogs.open(config);
        report.append(
                String.format(
                        "%nSoak: %d s at 1 s checkpoints, a maintenance pass every %s (%d passes"
                                + " over 2 tables, %d failed)%n%n",
                        seconds,
                        Durations.format(maintainEvery),
                        passes.size() / 2,
                        passes.stream().filter(r -> r == null).count()));
        report.append(
                "Data files written: by the job's commits (the table's count without"
                        + " maintenance). Live: in the current snapshot. Files on disk: everything"
                        + " under the table's folder (data, deletes, manifests, metadata), no"
                        + " `.crc`.\n\n");
        report.append(
                "| Table | Data files written | Live data files | Live delete files | Snapshots"
                        + " kept | Files on disk |\n|---|---:|---:|---:|---:|---:|\n");
        for (TableIdentifier id :
                List.of(
                        IngestFixtures.EVENTS_TABLE,
                        IngestTables.changelog(IngestFixtures.EVENTS_TABLE))) {
            Table t = catalog.loadTable(id);
            Map<String, String> summary = t.currentSnapshot().summary();
            int snapshots = 0;
            for (Snapshot ignored : t.snapshots()) {
                snapshots++;
            }
            long written = id.equals(IngestFixtures.EVENTS_TABLE) ? writtenByJob : -1;
            long onDisk;
            try (java.util.stream.Stream<Path> files =
                    Files.walk(Path.of(URI.create(t.location())))) {
                onDisk =
                        files.filter(Files::isRegularFile)
                                .filter(f -> !f.getFileName().toString().endsWith(".crc"))
                                .count();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            report.append(
                    String.format(
                            "| %s | %s | %s | %s | %d | %d |%n",
                            id,
                            written < 0 ? "" : String.valueOf(written),
                            summary.get("total-data-files"),
                            summary.get("total-delete-files"),
                            snapshots,
                            onDisk));
        }
    }

    /**
     * Follows the table's snapshots as they are committed and records, per event from the {@code
     * from}-th on, the commit time of the first snapshot whose added data files hold it, minus its
     * {@code ingestion_time}. Reads each added file once, so that a long run stays linear.
     */
    private static final class Visibility implements Runnable {
        private final Table table;
        private final long from;
        private final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final List<Long> latencies =
                java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<Long> commitDelays = new ArrayList<>();
        private final List<Long> gaps = new ArrayList<>();
        private final Thread thread = new Thread(this, "visibility");
        private volatile boolean stopped;
        private long lastSequence = -1;
        private long previousCommit = -1;
        private volatile long written;

        Visibility(Table table, long from) {
            this.table = table;
            this.from = from;
        }

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        long seen() {
            return seen.size();
        }

        /** Data files added by the job's commits (compactions' rewrites not counted). */
        long written() {
            return written;
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join();
        }

        long[] latencies() {
            log(
                    "%d snapshots with measured rows; youngest row per snapshot (barrier to"
                            + " commit): %s ms; gap between commits: %s ms",
                    commitDelays.size(), percentiles(commitDelays), percentiles(gaps));
            return latencies.stream().mapToLong(Long::longValue).toArray();
        }

        @Override
        public void run() {
            Schema projection = table.schema().select("event_id", "ingestion_time");
            while (!stopped) {
                try {
                    table.refresh();
                    List<Snapshot> fresh = new ArrayList<>();
                    for (Snapshot s : table.snapshots()) {
                        if (s.sequenceNumber() > lastSequence) {
                            fresh.add(s);
                        }
                    }
                    fresh.sort((x, y) -> Long.compare(x.sequenceNumber(), y.sequenceNumber()));
                    for (Snapshot s : fresh) {
                        lastSequence = s.sequenceNumber();
                        if (!DataOperations.REPLACE.equals(s.operation())) {
                            read(s, projection);
                        }
                    }
                    // the commit times come from the snapshots: polling seldom loses nothing
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        private void read(Snapshot s, Schema projection) throws java.io.IOException {
            long youngest = Long.MAX_VALUE;
            List<DataFile> added = new ArrayList<>();
            for (ManifestFile m : s.dataManifests(table.io())) {
                if (Long.valueOf(s.snapshotId()).equals(m.snapshotId())) {
                    try (ManifestReader<DataFile> r =
                            ManifestFiles.read(m, table.io(), table.specs())) {
                        r.forEach(f -> added.add(f.copy()));
                    }
                }
            }
            // (a merged manifest of this snapshot also lists older files: count from the summary)
            written += Long.parseLong(s.summary().getOrDefault("added-data-files", "0"));
            for (DataFile file : added) {
                try (CloseableIterable<Record> rows =
                        Parquet.read(table.io().newInputFile(file.location()))
                                .project(projection)
                                .createReaderFunc(
                                        f -> GenericParquetReaders.buildReader(projection, f))
                                .build()) {
                    for (Record r : rows) {
                        String id = (String) r.getField("event_id");
                        if (seen.add(id) && Long.parseLong(id.substring(3)) >= from) {
                            long ingested =
                                    ((java.time.OffsetDateTime) r.getField("ingestion_time"))
                                            .toInstant()
                                            .toEpochMilli();
                            long latency = s.timestampMillis() - ingested;
                            latencies.add(latency);
                            youngest = Math.min(youngest, latency);
                        }
                    }
                }
            }
            if (youngest != Long.MAX_VALUE) {
                // the snapshot's youngest row arrived just before the barrier: its latency is
                // about the time from the barrier to the commit
                commitDelays.add(youngest);
                if (previousCommit >= 0) {
                    gaps.add(s.timestampMillis() - previousCommit);
                }
                previousCommit = s.timestampMillis();
            }
        }
    }

    private static String percentiles(List<Long> values) {
        if (values.isEmpty()) {
            return "none";
        }
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(
                "p50 %d, p90 %d, p99 %d, max %d",
                v[v.length / 2],
                v[(int) (v.length * 0.9)],
                v[Math.min(v.length - 1, (int) (v.length * 0.99))],
                v[v.length - 1]);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.println(
                "[bench] "
                        + java.time.LocalTime.now().withNano(0)
                        + " "
                        + String.format(format, args));
    }
}
