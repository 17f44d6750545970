/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.config.ConfigLoader;
import io.tideline.config.FlinkConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.local.LocalFlink;
import io.tideline.local.LocalPostgres;
import io.tideline.sql.RawTables;
import io.tideline.sql.SqlClientProcess;
import io.tideline.sql.SqlRunResult;
import io.tideline.sql.SqlRunner;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The SQL layer's benchmark (not run by {@code verify}): generates a deterministic, TPC-H-like
 * dataset into the raw Iceberg tables (default 10M events, 1M orders, 100k customers), builds
 * {@code customer_360} and {@code daily_revenue} in BATCH through the runner, then runs the same
 * SQL straight through the Flink SQL client (embedded, local execution, same parallelism) as the
 * baseline, and prints rows/s and the ratio.
 *
 * <pre>
 * java -Xmx3g --add-opens=java.base/java.nio=ALL-UNNAMED ... io.tideline.bench.SqlBenchmark \
 *     [--events 10000000] [--orders 1000000] [--customers 100000] [--dir target/sql-bench]
 * </pre>
 */
public final class SqlBenchmark {

    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static final long SPAN_SECONDS = Duration.ofDays(91).toSeconds();
    private static final String[] COUNTRIES = {
        "US", "FR", "DE", "GB", "BR", "CA", "IN", "JP", "CN", "EG", "ET", "ID", "IR", "IQ", "JO",
        "KE", "MA", "MZ", "PE", "RO", "RU", "SA", "VN", "DZ", "AR"
    };
    private static final String[] CURRENCIES = {"USD", "EUR", "GBP"};
    private static final String[] PLANS = {"free", "pro", "enterprise"};
    private static final String[] FUNNEL = {
        "page_view", "page_view", "signup", "add_to_cart", "checkout"
    };
    private static final int FILE_ROWS = 1_000_000;

    public static void main(String[] args) throws Exception {
        long events = 10_000_000;
        long orders = 1_000_000;
        long customers = 100_000;
        Path dir = Path.of("target/sql-bench");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--events" -> events = Long.parseLong(args[i + 1]);
                case "--orders" -> orders = Long.parseLong(args[i + 1]);
                case "--customers" -> customers = Long.parseLong(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (events < 2 * orders) {
            throw new IllegalArgumentException("--events must be at least twice --orders");
        }
        dir = dir.toAbsolutePath().normalize();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Path sqlDir = Path.of("..", "sql").toAbsolutePath().normalize();
        if (!Files.isDirectory(sqlDir)) {
            sqlDir = Path.of("sql").toAbsolutePath().normalize();
        }

        try (LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), 0);
                LocalFlink flink =
                        LocalFlink.start(
                                new FlinkConfig(
                                        2, Duration.ofSeconds(30), null, false, 0, Map.of()),
                                4)) {
            pg.createDatabase("bench");
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
                            "  settings:",
                            "    restart-strategy.type: none",
                            "sql:",
                            "  dir: " + sqlDir,
                            "  select: [customer_360, daily_revenue]",
                            "  as-of: 2024-04-01T00:00:00Z",
                            "  checks:",
                            "    enabled: false",
                            "");
            TidelineConfig config = new ConfigLoader(System::getenv).parse(yaml, "bench.yaml", dir);

            long t0 = System.nanoTime();
            RawTables raw = new RawTables(config).create();
            final long c = customers;
            final long o = orders;
            appendInFiles(raw.table(RawTables.CUSTOMERS), customers, i -> customer(i));
            appendInFiles(raw.table(RawTables.ORDERS), orders, i -> order(i, c));
            appendInFiles(raw.table(RawTables.EVENTS), events, i -> event(i, o, c));
            double generate = seconds(t0);
            long inputRows = events + orders + customers;
            System.out.printf(
                    "generated %,d events, %,d orders, %,d customers in %.1f s%n",
                    events, orders, customers, generate);

            SqlRunner runner = new SqlRunner(config, flink.clientConfiguration(config.flink()));
            List<String> builds = List.of("customer_360", "daily_revenue");
            // Write-audit-publish: onto audit branches, then main fast-forwarded and PostgreSQL
            // serving replaced in one transaction per table (no tests: checks off, as before).
            SqlRunResult result = runner.runBatch(builds, false);
            double runnerSeconds = result.buildTime().toMillis() / 1000.0;
            System.out.printf(
                    "runner: BATCH build of customer_360 and daily_revenue in %.1f s: %s%n",
                    runnerSeconds, result.martRows());

            // The baseline: the same SQL, straight through the SQL client (views inlined as
            // common table expressions: see SqlRunner.clientBuildScript).
            String script = runner.clientBuildScript(builds);
            Path scriptFile = dir.resolve("baseline.sql");
            Files.writeString(scriptFile, script);
            Map<String, String> clientFlink =
                    Map.of(
                            "parallelism.default", "2",
                            "taskmanager.numberOfTaskSlots", "4",
                            "table.local-time-zone", "UTC");
            Path emptyFile = dir.resolve("empty.sql");
            Files.writeString(emptyFile, "SHOW TABLES;\n");
            Path clientDir = Files.createDirectories(dir.resolve("client"));
            long e0 = System.nanoTime();
            SqlClientProcess.run(
                    Files.createDirectories(dir.resolve("client-empty")),
                    runner.clientInitScript(),
                    emptyFile,
                    clientFlink,
                    "3g",
                    Duration.ofMinutes(5));
            double clientOverhead = seconds(e0);
            long b0 = System.nanoTime();
            String out =
                    SqlClientProcess.run(
                            clientDir,
                            runner.clientInitScript(),
                            scriptFile,
                            clientFlink,
                            "3g",
                            Duration.ofMinutes(30));
            double clientWall = seconds(b0);
            if (out.contains("[ERROR]")) {
                throw new IllegalStateException("the SQL client failed:\n" + out);
            }
            Map<String, Long> clientRows = new java.util.TreeMap<>(runner.martRows());
            clientRows.keySet().retainAll(result.martRows().keySet());
            double clientNet = clientWall - clientOverhead;
            System.out.printf(
                    "SQL client: %.1f s wall, %.1f s of it starting the client and its local"
                            + " cluster (an init-only run), %.1f s net: %s%n",
                    clientWall, clientOverhead, clientNet, clientRows);
            System.out.printf(
                    "%nRESULT input rows %,d | runner %.1f s = %,.0f rows/s | SQL client %.1f s net"
                            + " (%.1f s wall) = %,.0f rows/s | runner/client time ratio %.2f (net),"
                            + " %.2f (wall) | same marts: %s%n",
                    inputRows,
                    runnerSeconds,
                    inputRows / runnerSeconds,
                    clientNet,
                    clientWall,
                    inputRows / clientNet,
                    runnerSeconds / clientNet,
                    runnerSeconds / clientWall,
                    clientRows.equals(new java.util.TreeMap<>(result.martRows())));
        }
    }

    private static List<String> setupFiles(Path sqlDir) throws Exception {
        List<String> files = new ArrayList<>(List.of("schema.sql", "sources/batch.sql"));
        for (String folder : List.of("staging", "marts")) {
            try (Stream<Path> s = Files.list(sqlDir.resolve(folder))) {
                s.map(p -> folder + "/" + p.getFileName())
                        .filter(n -> n.endsWith(".sql"))
                        .sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    private static void appendInFiles(Table table, long rows, LongFunction<Record> row) {
        for (long from = 0; from < rows; from += FILE_ROWS) {
            long to = Math.min(rows, from + FILE_ROWS);
            RawTables.append(table, range(from, to, row));
        }
    }

    private static Iterator<Record> range(long from, long to, LongFunction<Record> row) {
        return new Iterator<>() {
            long next = from;

            @Override
            public boolean hasNext() {
                return next < to;
            }

            @Override
            public Record next() {
                if (next >= to) {
                    throw new NoSuchElementException();
                }
                return row.apply(next++);
            }
        };
    }

    // ---- a deterministic generator: every value is a hash of the row's index ----

    private static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long pick(long seed, long i, long bound) {
        return Math.floorMod(mix(seed * 0x100000001B3L + i), bound);
    }

    private static OffsetDateTime time(long seconds) {
        return START.plusSeconds(seconds).atOffset(ZoneOffset.UTC);
    }

    private static Record customer(long i) {
        long id = i + 1;
        Record r = GenericRecord.create(RawTables.CUSTOMERS_SCHEMA);
        r.setField("id", id);
        r.setField("email", "customer" + id + "@example.com");
        r.setField("name", String.format("Customer#%09d", id));
        r.setField("country", COUNTRIES[(int) pick(1, i, COUNTRIES.length)]);
        r.setField("plan", PLANS[(int) pick(2, i, PLANS.length)]);
        r.setField("created_at", time(0));
        r.setField("updated_at", time(pick(3, i, 86_400)));
        // a postgres-cdc snapshot row, as the demo's customers arrive
        r.setField("op", "snapshot");
        r.setField("lsn", 1L);
        r.setField("commit_time", time(0));
        r.setField("ingestion_time", time(0));
        r.setField("processing_time", time(0));
        r.setField(
                "source_position",
                "app.customers/snapshot/" + LogSequenceNumber.valueOf(1L) + "/" + id);
        return r;
    }

    private static long orderCustomer(long i, long customers) {
        return pick(10, i, customers) + 1;
    }

    private static BigDecimal orderAmount(long i) {
        return BigDecimal.valueOf(100 + pick(11, i, 99_900), 2);
    }

    private static long orderTime(long i) {
        return pick(12, i, SPAN_SECONDS);
    }

    private static boolean refunded(long i) {
        return pick(13, i, 20) == 0;
    }

    private static Record order(long i, long customers) {
        long customer = orderCustomer(i, customers);
        Record r = GenericRecord.create(RawTables.ORDERS_SCHEMA);
        r.setField("order_id", "o" + i);
        r.setField("customer_email", "customer" + customer + "@example.com");
        r.setField("amount", orderAmount(i));
        r.setField("currency", CURRENCIES[(int) (customer % CURRENCIES.length)]);
        long status = pick(14, i, 20);
        r.setField("status", refunded(i) ? "refunded" : status == 1 ? "cancelled" : "paid");
        r.setField("created_at", time(orderTime(i)));
        r.setField("updated_at", time(orderTime(i) + (refunded(i) ? 86_400 : 0)));
        r.setField("extra_fields", "{}");
        r.setField("ingestion_time", time(orderTime(i)));
        r.setField("processing_time", time(orderTime(i)));
        r.setField("source_position", "orders.csv:" + i);
        return r;
    }

    /**
     * Events 0..orders-1 place the orders; the next ones refund the refunded orders or, for the
     * others, are product events; the rest are product events (10% anonymous).
     */
    private static Record event(long i, long orders, long customers) {
        Record r = GenericRecord.create(RawTables.EVENTS_SCHEMA);
        r.setField("event_id", "e" + i);
        String type;
        Long customer;
        long at;
        BigDecimal amount = null;
        String orderId = null;
        if (i < orders) {
            type = "order_placed";
            customer = orderCustomer(i, customers);
            at = orderTime(i);
            amount = orderAmount(i);
            orderId = "o" + i;
        } else if (i < 2 * orders && refunded(i - orders)) {
            long o = i - orders;
            type = "order_refunded";
            customer = orderCustomer(o, customers);
            at = orderTime(o) + 86_400;
            amount = orderAmount(o);
            orderId = "o" + o;
        } else {
            type = FUNNEL[(int) pick(20, i, FUNNEL.length)];
            customer = pick(21, i, 10) == 0 ? null : pick(22, i, customers) + 1;
            at = pick(23, i, SPAN_SECONDS);
        }
        r.setField("event_type", type);
        r.setField("customer_id", customer == null ? null : customer.toString());
        r.setField("anonymous_id", "anon" + pick(24, i, 1_000_000));
        r.setField("event_time", time(at));
        r.setField("amount", amount);
        r.setField(
                "currency",
                amount == null ? null : CURRENCIES[(int) (customer % CURRENCIES.length)]);
        r.setField("properties", orderId == null ? "{}" : "{\"order_id\":\"" + orderId + "\"}");
        r.setField("extra_fields", "{}");
        r.setField("ingestion_time", time(at));
        r.setField("processing_time", time(at));
        r.setField("source_position", "events/" + (i % 4) + "/" + i);
        return r;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
