/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.DestinationConfig;
import io.tideline.config.SourceConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.demo.DemoData;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.SaasEmulator;
import io.tideline.ingest.IngestJob;
import io.tideline.ingest.IngestSummary;
import io.tideline.ingest.SourceCounts;
import io.tideline.ledger.Counts;
import io.tideline.ledger.Ledger;
import io.tideline.local.Folders;
import io.tideline.local.LocalParts;
import io.tideline.sql.CheckResult;
import io.tideline.sql.SqlRunResult;
import io.tideline.sql.SqlRunner;
import io.tideline.sync.RunReport;
import io.tideline.sync.SyncEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The local platform, the README's main command: starts every part on embedded pieces (Kafka,
 * PostgreSQL, the Iceberg catalog, the SaaS emulator, a Flink MiniCluster with its web UI),
 * generates realistic data with known amounts of bad, late, duplicated and corrected records, runs
 * the whole chain (ingestion, the SQL marts, the quality checks, a reverse-ETL sync into the
 * emulator's HubSpot), and checks that every figure adds up. Exit code 0 when everything held.
 */
public final class LocalPlatform {

    static final String SYNC = "customers-to-hubspot";

    /** The demo's sources, as deploy/local/tideline.yaml declares them. */
    static final String EVENTS = "events";

    static final String ORDERS = "orders";
    static final String CUSTOMERS = "customers";

    /** The customers' second, catch-up ingestion, after a customer's deletion. */
    static final String CUSTOMERS_CATCH_UP = "customers_catch_up";

    /** Parsed command line. */
    record Options(
            Path config,
            int customers,
            int events,
            int orders,
            int days,
            long seed,
            Path summaryJson,
            boolean serve) {

        static Options parse(String[] args) {
            Path config = Path.of("tideline.yaml");
            DemoData.Sizes d = DemoData.Sizes.defaults();
            int customers = d.customers();
            int events = d.events();
            int orders = d.orders();
            int days = d.days();
            long seed = 7;
            Path summary = null;
            boolean serve = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--config" -> config = Path.of(value(args, ++i, arg));
                    case "--customers" -> customers = positive(value(args, ++i, arg), arg);
                    case "--events" -> events = positive(value(args, ++i, arg), arg);
                    case "--orders" -> orders = positive(value(args, ++i, arg), arg);
                    case "--days" -> days = positive(value(args, ++i, arg), arg);
                    case "--seed" -> seed = positive(value(args, ++i, arg), arg);
                    case "--summary-json" -> summary = Path.of(value(args, ++i, arg));
                    case "--serve" -> serve = true;
                    case "--help", "-h" -> throw new UsageException("");
                    default -> throw new UsageException("unknown option '" + arg + "'");
                }
            }
            return new Options(config, customers, events, orders, days, seed, summary, serve);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String text, String option) {
            try {
                int n = Integer.parseInt(text);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // Reported below.
            }
            throw new UsageException(
                    option + " expects a positive whole number, got '" + text + "'");
        }
    }

    /** A command line that cannot be run. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: LocalPlatform [--config tideline.yaml] [--customers N] [--events N]"
                            + " [--orders N] [--days N] [--seed N] [--summary-json FILE] [--serve]",
                    "  --config        the Tideline configuration (default: tideline.yaml)",
                    "  --customers     customers in PostgreSQL (default: 200)",
                    "  --events        product events produced to Kafka (default: 5000)",
                    "  --orders        orders in the billing file drops (default: 600)",
                    "  --days          days of history the data covers (default: 30)",
                    "  --seed          the generator's seed (default: 7)",
                    "  --summary-json  also write the summary's figures to FILE, as JSON",
                    "  --serve         keep the platform running (web UI, SQL client) until"
                            + " Ctrl-C");

    private LocalPlatform() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the platform once and returns the process exit code (the {@code tideline demo}). */
    public static int run(String[] args, PrintStream out) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            if (!e.getMessage().isEmpty()) {
                out.println("error: " + e.getMessage());
            }
            out.println(USAGE);
            return e.getMessage().isEmpty() ? 0 : 2;
        }
        TidelineConfig config;
        try {
            config = ConfigLoader.fromEnvironment().load(options.config());
        } catch (ConfigException e) {
            out.println(e.getMessage());
            return 2;
        }
        String missing = missingForLocalRun(config);
        if (missing != null) {
            out.println(
                    "Invalid configuration "
                            + options.config().toAbsolutePath().normalize()
                            + " for the local platform: "
                            + missing);
            return 2;
        }
        return new LocalPlatform().runAll(options, config, out);
    }

    /** What the local run needs beyond a valid configuration, or null when it has it all. */
    static String missingForLocalRun(TidelineConfig config) {
        if (!config.syncs().containsKey(SYNC)) {
            return "syncs." + SYNC + ": required, the run syncs marts.customer_360 with it";
        }
        String destination = config.syncs().get(SYNC).destination();
        DestinationConfig d = config.destinations().get(destination);
        if (d == null || d.token() == null) {
            return "destinations." + destination + ".token: required, the SaaS emulator takes it";
        }
        SourceConfig events = config.sources().get(EVENTS);
        SourceConfig orders = config.sources().get(ORDERS);
        if (events == null
                || events.topic() == null
                || orders == null
                || orders.folder() == null
                || !config.sources().containsKey(CUSTOMERS)) {
            return "sources.events.topic, sources.orders.folder and sources.customers: required,"
                    + " the generated data goes there";
        }
        return null;
    }

    private int runAll(Options options, TidelineConfig config, PrintStream out) {
        Progress progress = new Progress(out);
        RunSummary summary = new RunSummary();
        Instant start = Instant.now();
        progress.step("Starting the embedded parts (data in " + config.local().dataDir() + ")");
        // Kafka and PostgreSQL start empty, and so does the lake: the demo's figures are this
        // run's alone (a warehouse left by an earlier run of other sizes would hold its rows).
        String warehouse = config.catalog().warehouse();
        if (warehouse != null && warehouse.startsWith("file:")) {
            Folders.deleteRecursively(java.nio.file.Path.of(java.net.URI.create(warehouse)));
        } else if (warehouse != null && !warehouse.contains(":")) {
            Folders.deleteRecursively(java.nio.file.Path.of(warehouse));
        }
        LocalParts parts = LocalParts.start(config, 8);
        SaasEmulator emulator = null;
        Thread hook = new Thread(parts::close, "tideline-local-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean ok = false;
        try {
            DestinationConfig hubspot =
                    config.destinations().get(config.syncs().get(SYNC).destination());
            emulator =
                    SaasEmulator.start(
                            EmulatorOptions.defaults(hubspot.token().reveal())
                                    .withFaults(
                                            new EmulatorOptions.Faults(
                                                    0.15,
                                                    0,
                                                    0,
                                                    0.02,
                                                    Duration.ofSeconds(2),
                                                    Duration.ZERO)));
            TidelineConfig live = withEmulator(parts.config(), emulator.baseUri());
            // The written-back configuration, now with the emulator's real URL and the token file.
            parts.writeEffectiveConfig(
                    live, options.config().toAbsolutePath().normalize().getParent());
            Configuration flink = parts.flink().clientConfiguration();
            ObjectNode where = summary.section("where");
            where.put("flink_ui", parts.flink().restAddress().toString());
            where.put("kafka", live.kafka().bootstrapServersString());
            where.put("postgres", live.postgres().jdbcUrl());
            where.put("warehouse", live.catalog().warehouse());
            where.put("saas_emulator", emulator.baseUri().toString());
            where.put("configuration", parts.effectiveConfigFile().toString());
            progress.done(
                    "Kafka "
                            + live.kafka().bootstrapServersString()
                            + ", PostgreSQL "
                            + live.postgres().jdbcUrl()
                            + ", SaaS emulator "
                            + emulator.baseUri()
                            + ", Flink UI "
                            + parts.flink().restAddress());

            progress.step(
                    "Generating data: "
                            + options.customers()
                            + " customers, "
                            + options.events()
                            + " events, "
                            + options.orders()
                            + " orders over "
                            + options.days()
                            + " days");
            DemoData data =
                    new DemoData(
                            options.seed(),
                            Instant.now(),
                            new DemoData.Sizes(
                                    options.customers(),
                                    options.events(),
                                    options.orders(),
                                    options.days()));
            DemoData.Generated generated =
                    data.generate(
                            live.postgres().jdbcUrl(),
                            live.postgres().connectionProperties(),
                            live.kafka().clientProperties(),
                            live.sources().get(EVENTS).topic(),
                            live.sources()
                                    .get(EVENTS)
                                    .allowedLatenessOr(live.ingestion().allowedLateness()),
                            Path.of(live.sources().get(ORDERS).folder()),
                            6);
            summary.root().set("generated", RunSummary.tree(generated));
            progress.done(
                    generated.eventsSent()
                            + " events sent ("
                            + generated.duplicateEvents()
                            + " re-deliveries, "
                            + generated.badEvents()
                            + " bad, "
                            + generated.lateEvents()
                            + " late), "
                            + generated.orderRowsSent()
                            + " order rows in "
                            + generated.orderFiles()
                            + " files, "
                            + generated.customers()
                            + " customers");

            progress.step(
                    "Ingestion, BATCH: Kafka, file drops and PostgreSQL into Iceberg landing.*");
            IngestSummary ingest = new IngestJob(live, flink).runBatch();
            ObjectNode ingestion = summary.section("ingestion");
            for (String source : List.of(EVENTS, ORDERS, CUSTOMERS)) {
                SourceCounts c = ingest.of(source);
                ObjectNode n = ingestion.putObject(source);
                n.put("read", c.read());
                n.put("accepted", c.accepted());
                n.put("quarantined", c.quarantined());
                n.put("late", c.late());
                n.put("duplicates", c.duplicates());
                summary.check(
                        source + ": accepted + quarantined + late + duplicates == read",
                        c.balanced(),
                        c.toString());
            }
            checkIngestion(summary, generated, ingest);
            progress.done(ingest.toString());

            int deletedId = generated.deletedCustomer();
            progress.step(
                    "Change data capture: customer "
                            + deletedId
                            + " deleted in PostgreSQL, then a BATCH catch-up of customers");
            int deleted =
                    data.deleteCustomer(
                            live.postgres().jdbcUrl(), live.postgres().connectionProperties());
            IngestSummary catchUp =
                    new IngestJob(live, flink).onlySources(List.of(CUSTOMERS)).runBatch();
            SourceCounts cu = catchUp.of(CUSTOMERS);
            ObjectNode cuNode = ingestion.putObject(CUSTOMERS_CATCH_UP);
            cuNode.put("read", cu.read());
            cuNode.put("accepted", cu.accepted());
            cuNode.put("quarantined", cu.quarantined());
            cuNode.put("late", cu.late());
            cuNode.put("duplicates", cu.duplicates());
            summary.check(
                    CUSTOMERS_CATCH_UP + ": accepted + quarantined + late + duplicates == read",
                    cu.balanced(),
                    cu.toString());
            summary.check(
                    CUSTOMERS_CATCH_UP + ": the deletion is the one change read",
                    deleted == 1 && cu.read() == deleted && cu.accepted() == deleted,
                    cu.read() + " read, " + cu.accepted() + " accepted, " + deleted + " deleted");
            long expectedCustomers =
                    (long) generated.customers() - generated.badCustomers() - deleted;
            checkCustomerGone(
                    summary,
                    live,
                    TableIdentifier.of(live.ingestion().namespace(), CUSTOMERS),
                    "id",
                    deletedId,
                    expectedCustomers);
            progress.done(catchUp.toString().strip());

            progress.step(
                    "SQL layer, BATCH: models onto audit branches, quality tests, then publish");
            SqlRunResult sql = new SqlRunner(live, flink).runBatch();
            ObjectNode marts = summary.section("marts");
            new TreeMap<>(sql.martRows()).forEach(marts::put);
            var quality = summary.root().putArray("quality");
            for (CheckResult check : sql.checks()) {
                ObjectNode q = quality.addObject();
                q.put("check", check.name());
                q.put("violations", check.violations());
                q.put("passed", check.passed());
            }
            summary.check(
                    "every quality check passed",
                    sql.failedChecks().isEmpty() && sql.passed(),
                    sql.checks().size()
                            + " checks, failed: "
                            + sql.failedChecks().stream().map(CheckResult::name).toList());
            checkCustomerGone(
                    summary,
                    live,
                    TableIdentifier.of("marts", "customer_360"),
                    "customer_id",
                    deletedId,
                    expectedCustomers);
            checkServingCustomerGone(summary, live, deletedId, expectedCustomers);
            progress.done(
                    sql.martRows()
                            + ", "
                            + sql.checks().size()
                            + " checks, published "
                            + sql.published());

            progress.step(
                    "Reverse ETL: " + SYNC + " (marts.customer_360 → the emulator's HubSpot)");
            ByteArrayOutputStream syncOut = new ByteArrayOutputStream();
            RunReport report =
                    new SyncEngine(live)
                            .run(
                                    SYNC,
                                    SyncEngine.RunOptions.defaults()
                                            .trigger("local-platform")
                                            .out(
                                                    new PrintStream(
                                                            syncOut,
                                                            true,
                                                            StandardCharsets.UTF_8)));
            checkSync(summary, live, emulator, report);
            progress.done(
                    report.status()
                            + ": "
                            + report.counts().succeeded()
                            + " delivered, "
                            + report.counts().rejected()
                            + " rejected, "
                            + report.throttled()
                            + " throttled calls retried");
            ok = summary.allChecksPassed();
            summary.root().put("ok", ok);
            summary.root().put("duration_ms", Duration.between(start, Instant.now()).toMillis());
            printTable(out, summary, config);
            out.print(syncOut.toString(StandardCharsets.UTF_8));
            if (options.summaryJson() != null) {
                summary.write(options.summaryJson());
                out.println("Summary written to " + options.summaryJson().toAbsolutePath());
            }
            out.println(
                    ok
                            ? "RESULT: OK, every figure adds up"
                            : "RESULT: FAILED, see the checks above");
            if (options.serve()) {
                serve(out, parts, live);
            }
        } catch (Exception e) {
            out.println("FAILED: " + e);
            e.printStackTrace(out);
            ok = false;
        } finally {
            progress.step("Stopping the embedded parts");
            if (emulator != null) {
                emulator.close();
            }
            parts.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C in --serve: the hook is running already.
            }
            progress.done("stopped");
        }
        return ok ? 0 : 1;
    }

    /** Every destination on loopback is served by the emulator. */
    public static TidelineConfig withEmulator(TidelineConfig config, URI emulator) {
        Map<String, DestinationConfig> destinations = new HashMap<>();
        config.destinations()
                .forEach(
                        (name, d) -> {
                            URI url = URI.create(d.endpoint());
                            boolean loopback =
                                    url.getHost() != null
                                            && (url.getHost().equals("127.0.0.1")
                                                    || url.getHost().equals("localhost"));
                            destinations.put(
                                    name,
                                    loopback
                                            ? d.withUrl(emulator.toString() + url.getRawPath())
                                            : d);
                        });
        return config.withDestinations(destinations);
    }

    private static void checkIngestion(
            RunSummary summary, DemoData.Generated g, IngestSummary ingest) {
        SourceCounts events = ingest.of(EVENTS);
        summary.check(
                "events: every record sent was read",
                events.read() == g.eventsSent(),
                events.read() + " read of " + g.eventsSent() + " sent");
        summary.check(
                "events: the re-deliveries are the duplicates",
                events.duplicates() == g.duplicateEvents(),
                events.duplicates() + " duplicates, " + g.duplicateEvents() + " re-delivered");
        summary.check(
                "events: the bad records are quarantined",
                events.quarantined() == g.badEvents(),
                events.quarantined() + " quarantined, " + g.badEvents() + " bad");
        summary.check(
                "events: the late records are late",
                events.late() == g.lateEvents(),
                events.late() + " late, " + g.lateEvents() + " sent late");
        SourceCounts orders = ingest.of(ORDERS);
        summary.check(
                "orders: every row dropped was read",
                orders.read() == g.orderRowsSent(),
                orders.read() + " read of " + g.orderRowsSent() + " rows");
        summary.check(
                "orders: the bad rows are quarantined",
                orders.quarantined() == g.badOrderRows(),
                orders.quarantined() + " quarantined, " + g.badOrderRows() + " bad");
        SourceCounts customers = ingest.of(CUSTOMERS);
        summary.check(
                "customers: every row was read, the bad ones quarantined",
                customers.read() == g.customers() && customers.quarantined() == g.badCustomers(),
                customers.read()
                        + " read of "
                        + g.customers()
                        + ", "
                        + customers.quarantined()
                        + " quarantined of "
                        + g.badCustomers()
                        + " bad");
    }

    /** The deleted customer is not in {@code table}, which holds every other good customer. */
    private static void checkCustomerGone(
            RunSummary summary,
            TidelineConfig live,
            TableIdentifier id,
            String column,
            int deletedId,
            long expected)
            throws Exception {
        Table table = IcebergCatalogs.open(live).loadTable(id);
        long rows = 0;
        boolean present = false;
        try (CloseableIterable<Record> all = IcebergGenerics.read(table).select(column).build()) {
            for (Record r : all) {
                rows++;
                present |= String.valueOf(r.getField(column)).equals(String.valueOf(deletedId));
            }
        }
        summary.check(
                id + ": the deleted customer is gone, every other good customer is there",
                !present && rows == expected,
                (present ? "customer " + deletedId + " still there, " : "")
                        + rows
                        + " rows, "
                        + expected
                        + " expected");
    }

    /** The same, in PostgreSQL's serving.customer_360 (what the SQL layer published). */
    private static void checkServingCustomerGone(
            RunSummary summary, TidelineConfig live, int deletedId, long expected)
            throws Exception {
        long rows;
        long present;
        try (java.sql.Connection db =
                        java.sql.DriverManager.getConnection(
                                live.postgres().jdbcUrl(), live.postgres().connectionProperties());
                java.sql.PreparedStatement st =
                        db.prepareStatement(
                                "SELECT COUNT(*), COUNT(*) FILTER (WHERE customer_id::text = ?)"
                                        + " FROM serving.customer_360")) {
            st.setString(1, String.valueOf(deletedId));
            try (java.sql.ResultSet rs = st.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
                present = rs.getLong(2);
            }
        }
        summary.check(
                "serving.customer_360 (PostgreSQL): the deleted customer is gone",
                present == 0 && rows == expected,
                (present > 0 ? "customer " + deletedId + " still there, " : "")
                        + rows
                        + " rows, "
                        + expected
                        + " expected");
    }

    private static void checkSync(
            RunSummary summary, TidelineConfig live, SaasEmulator emulator, RunReport report)
            throws Exception {
        Counts c = report.counts();
        ObjectNode sync = summary.section("sync");
        sync.put("name", report.sync());
        sync.put("status", report.status());
        sync.put("queried", c.queried());
        sync.put("invalid", c.invalid());
        sync.put("unchanged", c.unchanged());
        sync.put("sent", c.sent());
        sync.put("succeeded", c.succeeded());
        sync.put("rejected", c.rejected());
        sync.put("retried", c.retried());
        sync.put("deleted", c.deleted());
        sync.put("throttled_calls", report.throttled());
        sync.put("calls", c.calls());
        summary.check(
                "sync: queried = invalid + unchanged + sent, sent = succeeded + rejected",
                c.addUp(),
                c.queried()
                        + " = "
                        + c.invalid()
                        + " + "
                        + c.unchanged()
                        + " + "
                        + c.sent()
                        + ", "
                        + c.sent()
                        + " = "
                        + c.succeeded()
                        + " + "
                        + c.rejected());
        summary.check("sync: the run succeeded", report.succeeded(), report.status());

        // The emulator's final state is customer_360 minus the rows it rejected.
        Set<String> rejected;
        try (Ledger ledger = Ledger.open(live.postgres())) {
            rejected = ledger.loadRejections(SYNC).keySet();
        }
        Map<String, String> expected = new TreeMap<>();
        Table mart =
                IcebergCatalogs.open(live).loadTable(TableIdentifier.of("marts", "customer_360"));
        try (CloseableIterable<Record> rows = IcebergGenerics.read(mart).build()) {
            for (Record r : rows) {
                String key = String.valueOf(r.getField("customer_id"));
                if (!rejected.contains(key)) {
                    expected.put(
                            String.valueOf(r.getField("email")),
                            String.valueOf(r.getField("plan")));
                }
            }
        }
        Map<String, String> actual = new TreeMap<>();
        for (Map<String, Object> contact : emulator.hubspotObjects("contacts").values()) {
            actual.put(String.valueOf(contact.get("email")), String.valueOf(contact.get("plan")));
        }
        Set<String> missing = new HashSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        Set<String> extra = new HashSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        sync.put("destination_records", actual.size());
        sync.put("expected_records", expected.size());
        summary.check(
                "sync: the emulator holds customer_360 minus the rejected rows",
                expected.equals(actual),
                actual.size()
                        + " contacts, "
                        + expected.size()
                        + " expected ("
                        + rejected.size()
                        + " rejected); missing "
                        + missing.size()
                        + ", unexpected "
                        + extra.size());
    }

    private static void printTable(PrintStream out, RunSummary s, TidelineConfig config) {
        Summary t = new Summary(out);
        ObjectNode root = s.root();
        t.heading("Ingestion (per source: read = accepted + quarantined + late + duplicates)");
        root.path("ingestion")
                .fields()
                .forEachRemaining(
                        e ->
                                t.row(
                                        e.getKey(),
                                        e.getValue().path("read").asLong(),
                                        "accepted "
                                                + e.getValue().path("accepted").asLong()
                                                + ", quarantined "
                                                + e.getValue().path("quarantined").asLong()
                                                + ", late "
                                                + e.getValue().path("late").asLong()
                                                + ", duplicates "
                                                + e.getValue().path("duplicates").asLong()));
        t.heading("Marts (rows)");
        root.path("marts").fields().forEachRemaining(e -> t.row(e.getKey(), e.getValue().asLong()));
        t.heading("Quality checks");
        root.path("quality")
                .forEach(
                        q ->
                                t.row(
                                        q.path("check").asText(),
                                        q.path("passed").asBoolean() ? "pass" : "FAIL",
                                        q.path("violations").asLong() + " violating rows"));
        t.heading("Reverse ETL: " + SYNC);
        root.path("sync").fields().forEachRemaining(e -> t.row(e.getKey(), e.getValue().asText()));
        t.heading("Checks of this run's own figures");
        s.checks()
                .forEach(
                        c ->
                                t.row(
                                        c.path("name").asText(),
                                        c.path("passed").asBoolean() ? "OK" : "FAILED",
                                        c.path("detail").asText()));
        t.heading("Where to look");
        root.path("where").fields().forEachRemaining(e -> t.row(e.getKey(), e.getValue().asText()));
        t.row("SQL client", "run with --serve, then: ./tideline sql client");
        t.print();
    }

    private static void serve(PrintStream out, LocalParts parts, TidelineConfig live)
            throws Exception {
        Path args = writeSqlClientArgs(parts, live);
        out.println();
        out.println("Serving. Flink web UI: " + parts.flink().restAddress());
        out.println("Query the tables from another terminal with the Flink SQL client:");
        out.println("  ./tideline sql client");
        out.println("(or, without the tideline command: " + sqlClientCommand(args) + ")");
        out.println(
                "Every tideline command (ingest, sql, sync, maintain) uses "
                        + parts.effectiveConfigFile()
                        + " when given no --config.");
        out.println("Press Ctrl-C to stop; every part shuts down and nothing is left running.");
        out.flush();
        new CountDownLatch(1).await();
    }

    /**
     * Writes a java argument file that starts the Flink SQL client on this platform: the init file
     * of sql/ rendered for the running parts, queries executed on the MiniCluster.
     */
    static Path writeSqlClientArgs(LocalParts parts, TidelineConfig live) throws Exception {
        Path dataDir = parts.config().local().dataDirPath();
        Path init = dataDir.resolve("sql-client-init.sql");
        String rendered =
                new SqlRunner(live, parts.flink().clientConfiguration()).clientInitScript();
        Files.writeString(init, rendered, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Best effort on file systems without POSIX permissions.
        }
        URI rest = parts.flink().restAddress();
        // The SQL client reads its cluster from FLINK_CONF_DIR: this platform's MiniCluster.
        Path conf = Files.createDirectories(dataDir.resolve("sql-client-conf"));
        Files.writeString(
                conf.resolve("config.yaml"),
                "execution.target: remote\nrest.address: "
                        + rest.getHost()
                        + "\nrest.port: "
                        + rest.getPort()
                        + "\n",
                StandardCharsets.UTF_8);
        String args =
                String.join(
                        "\n",
                        "--add-opens=java.base/java.nio=ALL-UNNAMED",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-opens=java.base/java.util=ALL-UNNAMED",
                        "-cp",
                        quoted(System.getProperty("java.class.path")),
                        "org.apache.flink.table.client.SqlClient",
                        "embedded",
                        "-i",
                        quoted(init.toString()),
                        "-hist",
                        quoted(dataDir.resolve("sql-client.history").toString()),
                        "-D",
                        "execution.target=remote",
                        "-D",
                        "rest.address=" + rest.getHost(),
                        "-D",
                        "rest.port=" + rest.getPort(),
                        "");
        Path file = dataDir.resolve("sql-client.args");
        Files.writeString(file, args, StandardCharsets.UTF_8);
        return file.toAbsolutePath();
    }

    /** The shell command that starts the SQL client with an argument file of {@link #serve}. */
    static String sqlClientCommand(Path args) {
        return "FLINK_CONF_DIR=" + args.getParent().resolve("sql-client-conf") + " java @" + args;
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\") + "\"";
    }
}
