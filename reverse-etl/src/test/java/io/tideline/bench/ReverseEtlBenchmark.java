/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.emulator.SaasEmulator;
import io.tideline.local.LocalPostgres;
import io.tideline.sync.RunReport;
import io.tideline.sync.SyncEngine;
import io.tideline.sync.TestTables;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.iceberg.catalog.Catalog;

/**
 * The benchmark, against the emulator with an API limit of 100 requests/s × 100 records per
 * request (HubSpot batch upsert):
 *
 * <ol>
 *   <li>a first sync of N rows (1M: the floor is N / 100 / 100 s = 100 s), with 1% of the rows
 *       rejected for their content (parked);
 *   <li>the sustained rate, as a fraction of the limit, with 10% of calls answered 5xx;
 *   <li>a re-sync after 1% of the N rows changed: the rows rejected in the first sync are parked,
 *       so it sends the changed rows only (goal ≤ 1.01% of the rows).
 * </ol>
 *
 * Not run by {@code verify}. Run it (see {@code benchmarks/RESULTS.md} for the exact command):
 *
 * <pre>
 * java -Xmx8g -cp ... io.tideline.bench.ReverseEtlBenchmark [--rows 1000000] [--fault-rows 200000]
 * </pre>
 */
public final class ReverseEtlBenchmark {

    private static final int LIMIT = 100;

    public static void main(String[] args) throws Exception {
        int rows = 1_000_000;
        int faultRows = 200_000;
        int concurrency = 4;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--fault-rows" -> faultRows = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path dir = Path.of("target/bench").toAbsolutePath();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("token.txt"), "bench-token");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), 0);
                SaasEmulator emulator =
                        startEmulator(
                                EmulatorOptions.defaults("bench-token")
                                        .withRateLimit(LIMIT, Duration.ofSeconds(1))
                                        .withDailyLimit(100_000_000))) {
            String yaml =
                    """
                    postgres: {embedded: false, host: %s, port: %d, database: postgres}
                    catalog: {type: hadoop, warehouse: warehouse}
                    destinations:
                      hubspot:
                        type: hubspot
                        url: %s
                        token: ${file:token.txt}
                        rate-limit: {requests: %d, per: 1s}
                        concurrency: %d
                        timeout: 10s
                        retry: {max-attempts: 20, initial-backoff: 50ms, max-backoff: 2s}
                    syncs:
                      first:
                        source: {table: bench.customers}
                        primary-key: customer_id
                        mapping: {email: email, name: firstname, plan: plan, lifetime_value: ltv}
                        destination: hubspot
                        alerts: {max-rejected-share: 1}
                      faults:
                        source: {table: bench.faults}
                        primary-key: customer_id
                        mapping: {email: email, name: firstname, plan: plan}
                        destination: hubspot
                    """
                            .formatted(
                                    pg.host(), pg.port(), emulator.baseUri(), LIMIT, concurrency);
            TidelineConfig config = new ConfigLoader(System::getenv).parse(yaml, "bench.yaml", dir);
            Catalog catalog = IcebergCatalogs.open(config);
            SyncEngine engine = new SyncEngine(config);

            long t0 = System.nanoTime();
            List<TestTables.Customer> data = new ArrayList<>(rows);
            for (long i = 1; i <= rows; i++) {
                data.add(TestTables.Customer.of(i));
            }
            TestTables.write(catalog, "bench.customers", data);
            System.out.printf(
                    Locale.ROOT,
                    "wrote %d rows to Iceberg in %.1f s%n",
                    rows,
                    (System.nanoTime() - t0) / 1e9);

            // 1. first sync, 1% of the rows rejected for their content
            emulator.setFaults(EmulatorOptions.Faults.NONE.withRecordRejection(0.01));
            int before = emulator.calls().size();
            long firstStart = System.nanoTime();
            RunReport first = engine.run("first", SyncEngine.RunOptions.defaults().out(quiet));
            long firstEnd = System.nanoTime();

            emulator.setFaults(EmulatorOptions.Faults.NONE);
            List<ReceivedCall> calls = emulator.calls().subList(before, emulator.calls().size());
            double firstSeconds = first.durationMs() / 1000.0;
            double floor = rows / 100.0 / LIMIT;
            double sendSeconds = span(calls);
            System.out.print(first.toTable());
            System.out.printf(
                    Locale.ROOT,
                    "1. first sync of %d rows: %.1f s (floor %.0f s, floor/actual %.3f); calls %d,"
                            + " %.1f calls/s while sending (%.3f of the limit), max in any 1 s"
                            + " window %d, 429s %d; rejected (parked) %d = %.2f%%%n",
                    rows,
                    firstSeconds,
                    floor,
                    floor / firstSeconds,
                    calls.size(),
                    calls.size() / sendSeconds,
                    calls.size() / sendSeconds / LIMIT,
                    emulator.maxCallsInAnyWindow("hubspot", Duration.ofSeconds(1)),
                    calls.stream().filter(c -> c.status() == 429).count(),
                    first.counts().parked(),
                    100.0 * first.counts().parked() / rows);
            System.out.printf(
                    Locale.ROOT,
                    "   (where the time went: %.1f s before the first call, %.1f s from the first"
                            + " call's arrival to the last's, %.1f s after the last call)%n",
                    (first(calls) - emulatorMillis(firstStart)) / 1000.0,
                    sendSeconds,
                    (emulatorMillis(firstEnd) - last(calls)) / 1000.0);

            // 2. sustained rate with 10% of calls answered 5xx
            List<TestTables.Customer> faultData = new ArrayList<>(faultRows);
            for (long i = 1; i <= faultRows; i++) {
                faultData.add(TestTables.Customer.of(10_000_000 + i));
            }
            TestTables.write(catalog, "bench.faults", faultData);
            emulator.setFaults(
                    new EmulatorOptions.Faults(
                            0, 0.1, 0, 0, Duration.ofSeconds(30), Duration.ZERO));
            before = emulator.calls().size();
            RunReport faults = engine.run("faults", SyncEngine.RunOptions.defaults().out(quiet));
            calls = emulator.calls().subList(before, emulator.calls().size());
            emulator.setFaults(EmulatorOptions.Faults.NONE);
            double span = span(calls);
            long good = calls.stream().filter(c -> c.status() == 200 || c.status() == 207).count();
            System.out.print(faults.toTable());
            System.out.printf(
                    Locale.ROOT,
                    "2. %d rows with 10%% of calls 5xx: %.1f s; %d calls (%d ok, %d faulted),"
                            + " all calls %.1f/s = %.3f of the limit, successful calls %.1f/s ="
                            + " %.3f of the limit; status %s%n",
                    faultRows,
                    faults.durationMs() / 1000.0,
                    calls.size(),
                    good,
                    calls.size() - good,
                    calls.size() / span,
                    calls.size() / span / LIMIT,
                    good / span,
                    good / span / LIMIT,
                    faults.status());

            // 3. re-sync after 1% of the rows changed
            for (int i = 0; i < rows; i += 100) {
                data.set(i, data.get(i).withPlan("pro"));
            }
            TestTables.write(catalog, "bench.customers", data);
            before = emulator.calls().size();
            RunReport resync = engine.run("first", SyncEngine.RunOptions.defaults().out(quiet));
            calls = emulator.calls().subList(before, emulator.calls().size());
            long recordsSent = calls.stream().mapToLong(c -> c.keys().size()).sum();
            System.out.print(resync.toTable());
            System.out.printf(
                    Locale.ROOT,
                    "3. re-sync after 1%% changed, 1%% rejected in the previous run: %.1f s, sent"
                        + " %d of %d rows = %.4f%% (records on the wire %d, calls %d; held (parked)"
                        + " %d); status %s, alerts %s%n",
                    resync.durationMs() / 1000.0,
                    resync.counts().sent(),
                    rows,
                    100.0 * resync.counts().sent() / rows,
                    recordsSent,
                    calls.size(),
                    resync.counts().held(),
                    resync.status(),
                    resync.alerts());
            System.out.printf(
                    Locale.ROOT,
                    "emulator holds %d contacts (expected %d: the rows minus the parked ones)%n",
                    emulator.hubspotObjects("contacts").size(),
                    rows + faultRows - resync.counts().held());
        }
        System.exit(0);
    }

    /** When the emulator started ({@link System#nanoTime}, within a few ms: just before it). */
    private static long emulatorStart;

    private static SaasEmulator startEmulator(EmulatorOptions options) {
        emulatorStart = System.nanoTime();
        return SaasEmulator.start(options);
    }

    /** A {@link System#nanoTime} on the clock of {@link ReceivedCall#atMillis()}. */
    private static double emulatorMillis(long nanos) {
        return (nanos - emulatorStart) / 1e6;
    }

    private static double first(List<ReceivedCall> calls) {
        return calls.stream().mapToDouble(ReceivedCall::atMillis).min().orElse(0);
    }

    private static double last(List<ReceivedCall> calls) {
        return calls.stream().mapToDouble(ReceivedCall::atMillis).max().orElse(0);
    }

    private static double span(List<ReceivedCall> calls) {
        if (calls.size() < 2) {
            return 1;
        }
        double first = calls.stream().mapToDouble(ReceivedCall::atMillis).min().orElse(0);
        double last = calls.stream().mapToDouble(ReceivedCall::atMillis).max().orElse(0);
        return Math.max(0.001, (last - first) / 1000.0);
    }
}
