/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.local.LocalParts;
import io.tideline.smoke.SmokePipeline;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The local platform: starts the embedded parts a configuration names, runs the pipelines on them,
 * prints what it did and stops everything. Exit code 0 when every check held.
 *
 * <pre>
 * LocalPlatform [--config tideline.yaml] [--records N]
 * </pre>
 */
public final class LocalPlatform {

    /** Parsed command line. */
    record Options(Path config, int records) {

        static Options parse(String[] args) {
            Path config = Path.of("tideline.yaml");
            int records = 1000;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--config" -> config = Path.of(value(args, ++i, arg));
                    case "--records" -> records = positive(value(args, ++i, arg), arg);
                    case "--help", "-h" -> throw new UsageException("");
                    default -> throw new UsageException("unknown option '" + arg + "'");
                }
            }
            return new Options(config, records);
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
            "usage: LocalPlatform [--config tideline.yaml] [--records N]\n"
                    + "  --config   the Tideline configuration (default: tideline.yaml)\n"
                    + "  --records  records the smoke pipeline produces (default: 1000)";

    private LocalPlatform() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the platform once and returns the process exit code. */
    static int run(String[] args, PrintStream out) {
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
        Progress progress = new Progress(out);
        progress.step("Starting the embedded parts (data in " + config.local().dataDir() + ")");
        LocalParts parts = LocalParts.start(config, 4);
        Thread hook = new Thread(parts::close, "tideline-local-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TidelineConfig live = parts.config();
            progress.done(
                    "Kafka at "
                            + live.kafka().bootstrapServersString()
                            + ", PostgreSQL at "
                            + live.postgres().jdbcUrl()
                            + ", Flink UI at "
                            + parts.flink().restAddress());

            progress.step(
                    "Smoke pipeline: "
                            + options.records()
                            + " JSON records → Kafka → Flink → Iceberg → Flink SQL → PostgreSQL");
            SmokePipeline.Result smoke =
                    new SmokePipeline(live, parts.flink().clientConfiguration())
                            .run("tideline-smoke", options.records());
            progress.done("took " + seconds(smoke.took()));

            Summary summary = new Summary(out);
            summary.heading("Tideline local run");
            summary.row("records produced to Kafka", smoke.produced());
            summary.row(
                    "rows in Iceberg " + config.catalog().name() + "." + SmokePipeline.TABLE,
                    smoke.icebergRows(),
                    smoke.icebergMatches() ? "exactly the records produced" : "MISMATCH");
            for (Map.Entry<String, SmokePipeline.Totals> e : smoke.postgresTotals().entrySet()) {
                SmokePipeline.Totals expected = smoke.expectedTotals().get(e.getKey());
                summary.row(
                        "PostgreSQL " + SmokePipeline.PG_TABLE + "[" + e.getKey() + "]",
                        e.getValue().count() + " / " + e.getValue().amount(),
                        e.getValue().equals(expected)
                                ? "matches"
                                : "MISMATCH, expected " + expected);
            }
            summary.heading("Where to look");
            summary.row("Flink web UI", parts.flink().restAddress());
            summary.row("warehouse", config.catalog().warehouse());
            summary.row("effective configuration", parts.effectiveConfigFile());
            summary.row("result", smoke.ok() ? "OK" : "FAILED");
            summary.print();
            return smoke.ok() ? 0 : 1;
        } catch (Exception e) {
            out.println("FAILED: " + e);
            e.printStackTrace(out);
            return 1;
        } finally {
            progress.step("Stopping the embedded parts");
            parts.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            progress.done("stopped");
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
