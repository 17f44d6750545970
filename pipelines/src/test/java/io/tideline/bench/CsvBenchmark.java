/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.Durations;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.local.Folders;
import io.tideline.local.LocalFlink;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The issue-16 second dataset: a drop folder of CSV order files (the demo's {@code orders} source,
 * declared in YAML: typed, standardised, checked, latest version per {@code order_id}), read once
 * by the BATCH ingestion job and once by the STREAMING one, each into its own warehouse. Times are
 * from the job's start to the commit holding the last row (STREAMING: the first snapshot whose
 * {@code total-records} reaches the row count). Not run by {@code verify}; see
 * pipelines/benchmarks/INGESTION.md.
 *
 * <pre>
 * CsvBenchmark [--rows 10000000] [--files 20] [--checkpoint-interval 10s] [--dir target/bench-csv]
 * </pre>
 */
public final class CsvBenchmark {

    private static final String[] STATUSES = {"placed", "paid", "shipped", "completed"};

    public static void main(String[] args) throws Exception {
        long rows = 10_000_000;
        int files = 20;
        Duration interval = Duration.ofSeconds(10);
        Path dir = Path.of("target/bench-csv");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[++i]);
                case "--files" -> files = Integer.parseInt(args[++i]);
                case "--checkpoint-interval" -> interval = Durations.parse(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        dir = Folders.fresh(dir.toAbsolutePath());
        Path drops = dir.resolve("drops");
        long t = System.nanoTime();
        long bytes = generate(drops, rows, files);
        log("wrote %,d rows in %d files (%,d bytes) in %.1f s", rows, files, bytes, seconds(t));
        io.tideline.config.FlinkConfig fc =
                new io.tideline.config.FlinkConfig(2, interval, null, false, 0, Map.of());
        StringBuilder report = new StringBuilder();
        try (LocalFlink flink = LocalFlink.start(fc, 8)) {
            TidelineConfig batch = config(dir, "warehouse-batch", interval);
            log("BATCH: starting");
            t = System.nanoTime();
            IngestSummary summary =
                    new IngestJob(batch, flink.clientConfiguration(batch.flink())).runBatch();
            double batchSeconds = seconds(t);
            log("BATCH: %s in %.1f s", summary.of("orders"), batchSeconds);
            if (summary.of("orders").accepted() != rows) {
                throw new IllegalStateException("BATCH accepted " + summary.of("orders"));
            }

            TidelineConfig streaming = config(dir, "warehouse-streaming", interval);
            IngestJob job = new IngestJob(streaming, flink.clientConfiguration(streaming.flink()));
            job.createTables();
            Table table =
                    IcebergCatalogs.open(streaming).loadTable(IngestFixtures.landing("orders"));
            log("STREAMING: starting");
            t = System.nanoTime();
            long started = System.currentTimeMillis();
            double streamingSeconds;
            try (IngestJob.Running running = job.startStreaming()) {
                long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
                while (records(table) < rows) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("STREAMING did not finish in 30 minutes");
                    }
                    Thread.sleep(200);
                }
                streamingSeconds = (lastCommitMillis(table) - started) / 1000.0;
                log("STREAMING: %,d rows committed after %.1f s", rows, streamingSeconds);
            }
            report.append("| Job | Time (s) | Rows/s |\n|---|---:|---:|\n");
            report.append(
                    String.format(
                            "| BATCH, %,d CSV rows | %.1f | %,.0f |%n",
                            rows, batchSeconds, rows / batchSeconds));
            report.append(
                    String.format(
                            "| STREAMING (checkpoint %s), same folder | %.1f | %,.0f |%n",
                            Durations.format(interval), streamingSeconds, rows / streamingSeconds));
            report.append(
                    String.format(
                            "%nBATCH / STREAMING time = %.2f (goal ≤ 0.7: %s). Input: %,d bytes in"
                                    + " %d files.%n",
                            batchSeconds / streamingSeconds,
                            batchSeconds / streamingSeconds <= 0.7 ? "met" : "not met",
                            bytes,
                            files));
        }
        System.out.println(report);
        Files.writeString(dir.resolve("results.md"), report.toString());
    }

    private static TidelineConfig config(Path dir, String warehouse, Duration interval) {
        String yaml =
                BenchYaml.lakeAndFlink(warehouse, interval)
                        + "sources:\n"
                        + IngestFixtures.ORDERS
                        + "    folder: drops\n    monitor-interval: 1s\n";
        return new ConfigLoader(System::getenv).parse(yaml, "bench.yaml", dir);
    }

    /** Order files of the demo's layout, about 100 bytes a row, every row a distinct order. */
    private static long generate(Path drops, long rows, int files) throws Exception {
        Files.createDirectories(drops);
        Random random = new Random(16);
        Instant start = Instant.parse("2025-01-01T00:00:00Z");
        // delivered now: every row's times are in the past year, none in the future
        FileTime delivered = FileTime.from(Instant.now());
        long bytes = 0;
        long perFile = (rows + files - 1) / files;
        long id = 0;
        for (int f = 0; f < files && id < rows; f++) {
            Path tmp = drops.resolve(".orders-" + f + ".csv.inprogress");
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write("order_id,customer_email,amount,currency,status,created_at,updated_at\n");
                for (long n = 0; n < perFile && id < rows; n++, id++) {
                    Instant created = start.plusSeconds(id % 31_536_000);
                    String line =
                            "o"
                                    + id
                                    + ",Customer"
                                    + random.nextInt(100_000)
                                    + "@Example.com,"
                                    + random.nextInt(100_000) / 100
                                    + "."
                                    + String.format("%02d", random.nextInt(100))
                                    + ","
                                    + (id % 3 == 0 ? "eur" : "USD")
                                    + ","
                                    + STATUSES[(int) (id % STATUSES.length)]
                                    + ","
                                    + created
                                    + ","
                                    + created.plusSeconds(60)
                                    + "\n";
                    w.write(line);
                    bytes += line.length();
                }
            }
            Path file = drops.resolve("orders-" + f + ".csv");
            Files.setLastModifiedTime(tmp, delivered);
            Files.move(tmp, file);
        }
        return bytes;
    }

    private static long records(Table table) {
        table.refresh();
        Snapshot s = table.currentSnapshot();
        return s == null ? 0 : Long.parseLong(s.summary().getOrDefault("total-records", "0"));
    }

    private static long lastCommitMillis(Table table) {
        return table.currentSnapshot().timestampMillis();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[csv-bench] " + format + "%n", args);
    }
}
