/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideline.platform.LocalPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tideline demo}: the whole chain on embedded parts with generated data. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole chain locally on embedded parts (Kafka, PostgreSQL, an Iceberg catalog,"
                    + " the SaaS emulator, Flink with its web UI): generate a month of data with"
                    + " known bad, late and duplicate records, ingest it, build the marts, run the"
                    + " quality checks, sync customer_360 into the emulated HubSpot, and check"
                    + " that every figure adds up.",
            "Exit 0 when every figure adds up, 1 when one does not, 78 for an invalid"
                    + " configuration."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--customers", paramLabel = "N", description = "Customers (default 200).")
    Integer customers;

    @Option(names = "--events", paramLabel = "N", description = "Product events (default 5000).")
    Integer events;

    @Option(names = "--orders", paramLabel = "N", description = "Orders (default 600).")
    Integer orders;

    @Option(names = "--days", paramLabel = "N", description = "Days of history (default 30).")
    Integer days;

    @Option(names = "--seed", paramLabel = "N", description = "The generator's seed (default 7).")
    Long seed;

    @Option(
            names = "--summary-json",
            paramLabel = "FILE",
            description = "Also write the summary's figures to FILE, as JSON.")
    Path summaryJson;

    @Option(
            names = "--serve",
            description =
                    "Keep the platform running afterwards (web UI, `tideline sql client`) until"
                            + " Ctrl-C.")
    boolean serve;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "The configuration (default: deploy/local/tideline.yaml).")
    Path config;

    @Option(names = "--json", description = "Print the summary's JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Report report = new Report("demo", json);
        List<String> args = new ArrayList<>();
        Path file = config == null ? Tideline.exampleConfig() : config.toAbsolutePath();
        args.add("--config");
        args.add(file.toString());
        option(args, "--customers", customers);
        option(args, "--events", events);
        option(args, "--orders", orders);
        option(args, "--days", days);
        option(args, "--seed", seed);
        Path summary = summaryJson;
        if (summary == null && json) {
            summary = Files.createTempFile("tideline-demo-", ".json");
            summary.toFile().deleteOnExit();
        }
        if (summary != null) {
            args.add("--summary-json");
            args.add(summary.toAbsolutePath().toString());
        }
        if (serve) {
            args.add("--serve");
        }
        int code = LocalPlatform.run(args.toArray(String[]::new), report.human());
        if (code == 2) {
            // The platform's own code for a configuration it cannot run.
            code = Tideline.CONFIG;
        }
        if (json && summary != null && Files.isRegularFile(summary)) {
            JsonNode figures = Report.JSON.readTree(summary.toFile());
            report.root().set("summary", figures);
        }
        return report.finish(
                code,
                code == Tideline.OK
                        ? "demo: OK, every figure adds up"
                        : "demo: FAILED (exit " + code + ")");
    }

    private static void option(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(String.valueOf(value));
        }
    }
}
