/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.Durations;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.local.Folders;
import io.tideline.local.LocalFlink;
import io.tideline.local.LocalKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
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
        List<Duration> intervals = List.of(Duration.ofSeconds(2), Duration.ofSeconds(5));
        Path dir = Path.of("target/bench");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--latency-seconds" -> latencySeconds = Integer.parseInt(args[++i]);
                case "--latency-rate" -> latencyRate = Integer.parseInt(args[++i]);
                case "--checkpoint-intervals" ->
                        intervals =
                                Arrays.stream(args[++i].split(",")).map(Durations::parse).toList();
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        dir = Folders.fresh(dir.toAbsolutePath());
        StringBuilder report = new StringBuilder();
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
            io.tideline.config.FlinkConfig fc =
                    new io.tideline.config.FlinkConfig(
                            2, Duration.ofSeconds(10), null, false, 0, Map.of());
            try (LocalFlink flink = LocalFlink.start(fc, 8)) {
                run(dir, kafka, flink, events, latencySeconds, latencyRate, intervals, report);
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

    private static void run(
            Path dir,
            LocalKafka kafka,
            LocalFlink flink,
            long events,
            int latencySeconds,
            int latencyRate,
            List<Duration> intervals,
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

        log("(a) ingestion job BATCH: starting");
        t = System.nanoTime();
        IngestSummary summary = new IngestJob(a, flink.clientConfiguration(a.flink())).runBatch();
        double ingestSeconds = seconds(t);
        log("(a) ingestion job BATCH: %s in %.2f s", summary.of("events"), ingestSeconds);

        log("(b) plain SQL BATCH: starting");
        t = System.nanoTime();
        long sqlRows = plainSql(a, flink.clientConfiguration(a.flink()), topic);
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

        report.append(
                "| Checkpoint interval | Events | p50 (ms) | p99 (ms) | max (ms) | Goal p99 ≤"
                        + " interval + 0.5 s (issue 16) |\n|---|---:|---:|---:|---:|---|\n");
        for (Duration interval : intervals) {
            long[] latencies = latency(dir, kafka, flink, interval, latencySeconds, latencyRate);
            Arrays.sort(latencies);
            long p50 = latencies[(int) (latencies.length * 0.50)];
            long p99 = latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))];
            long max = latencies[latencies.length - 1];
            log("latency at %s: p50 %d ms, p99 %d ms, max %d ms", interval, p50, p99, max);
            report.append(
                    String.format(
                            "| %s | %,d | %d | %d | %d | %s |%n",
                            Durations.format(interval),
                            latencies.length,
                            p50,
                            p99,
                            max,
                            p99 <= interval.toMillis() + 500 ? "met" : "not met"));
        }
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

    private static long plainSql(TidelineConfig config, Configuration flink, String topic)
            throws Exception {
        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        FlinkSettings.environment(flink, RuntimeExecutionMode.BATCH),
                        EnvironmentSettings.inBatchMode());
        IcebergCatalogs.register(tEnv, config);
        tEnv.executeSql("CREATE DATABASE IF NOT EXISTS tideline.bench");
        tEnv.executeSql(
                "CREATE TABLE IF NOT EXISTS tideline.bench.plain_events (event_id STRING,"
                        + " event_type STRING, customer_id STRING, anonymous_id STRING, event_time"
                        + " TIMESTAMP_LTZ(6), amount DECIMAL(18, 2), currency STRING, properties"
                        + " STRING) WITH ('format-version' = '2')");
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
     * Streams events at {@code rate} per second for {@code seconds} into the STREAMING ingestion
     * job, and returns, per event, the time from its Kafka record timestamp to the commit of the
     * snapshot in which it first became readable.
     */
    private static long[] latency(
            Path dir, LocalKafka kafka, LocalFlink flink, Duration interval, int seconds, int rate)
            throws Exception {
        String name = "latency-" + interval.toMillis();
        kafka.createTopic(name, 2);
        TidelineConfig config = config(dir, kafka, name, "warehouse-" + name, interval);
        long total = (long) seconds * rate;
        IngestJob.Running running =
                new IngestJob(config, flink.clientConfiguration(config.flink())).startStreaming();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            Random random = new Random(7);
            long start = System.nanoTime();
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
            }
            producer.flush();
            Table table = IcebergCatalogs.open(config).loadTable(IngestFixtures.EVENTS_TABLE);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (true) {
                table.refresh();
                Snapshot s = table.currentSnapshot();
                if (s != null && countAt(table, s) >= total) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the latency run did not catch up");
                }
                TimeUnit.MILLISECONDS.sleep(500);
            }
            running.stop(dir.resolve("savepoints").toUri().toString());
            return visibleAfter(table);
        } finally {
            running.close();
        }
    }

    private static long countAt(Table table, Snapshot s) throws Exception {
        long n = 0;
        try (CloseableIterable<Record> r =
                IcebergGenerics.read(table)
                        .useSnapshot(s.snapshotId())
                        .select("event_id")
                        .build()) {
            for (Record ignored : r) {
                n++;
            }
        }
        return n;
    }

    private static long[] visibleAfter(Table table) throws Exception {
        List<Snapshot> snapshots = new ArrayList<>();
        table.snapshots().forEach(snapshots::add);
        snapshots.sort((x, y) -> Long.compare(x.sequenceNumber(), y.sequenceNumber()));
        Set<String> seen = new HashSet<>();
        List<Long> latencies = new ArrayList<>();
        for (Snapshot s : snapshots) {
            try (CloseableIterable<Record> rows =
                    IcebergGenerics.read(table)
                            .useSnapshot(s.snapshotId())
                            .select("event_id", "ingestion_time")
                            .build()) {
                for (Record r : rows) {
                    String id = (String) r.getField("event_id");
                    if (seen.add(id)) {
                        java.time.OffsetDateTime ingested =
                                (java.time.OffsetDateTime) r.getField("ingestion_time");
                        latencies.add(s.timestampMillis() - ingested.toInstant().toEpochMilli());
                    }
                }
            }
        }
        return latencies.stream().mapToLong(Long::longValue).toArray();
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
