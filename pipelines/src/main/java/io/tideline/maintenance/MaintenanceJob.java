/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.maintenance;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.sql.SqlRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Keeps the configured Iceberg tables healthy: {@code MaintenanceJob --config FILE [--once]}.
 * Without {@code --once} it runs a pass every {@code maintenance.interval}; with it, one pass (for
 * a Kubernetes CronJob or an orchestrator), exiting non-zero if any table failed.
 */
public final class MaintenanceJob {

    private final TidelineConfig config;
    private final Configuration flink;

    public MaintenanceJob(TidelineConfig config, Configuration flink) {
        this.config = config;
        this.flink = flink;
    }

    /**
     * One pass over every configured table that exists; a table that fails is reported, not fatal.
     */
    public List<TableMaintenance.Result> runOnce(PrintStream out) {
        Catalog catalog = IcebergCatalogs.open(config);
        TableMaintenance maintenance = new TableMaintenance(config.maintenance(), flink);
        List<TableMaintenance.Result> results = new ArrayList<>();
        Instant now = Instant.now();
        int failed = 0;
        for (String name : tables(out)) {
            TableIdentifier id = TableIdentifier.parse(name);
            if (!catalog.tableExists(id)) {
                out.println(name + ": no such table yet, skipped");
                continue;
            }
            try {
                TableMaintenance.Result r = maintenance.maintain(name, catalog.loadTable(id), now);
                results.add(r);
                out.println(r);
            } catch (RuntimeException e) {
                failed++;
                out.println(name + ": FAILED: " + e);
            }
        }
        out.printf("Maintenance pass: %d tables maintained, %d failed%n", results.size(), failed);
        if (failed > 0) {
            throw new IllegalStateException(failed + " tables failed maintenance");
        }
        return results;
    }

    /**
     * {@link TidelineConfig#maintenanceTables()}, and, unless {@code maintenance.tables} lists the
     * tables, the table of every model of the SQL layer (the files of {@code sql.dir}).
     */
    public List<String> tables(PrintStream out) {
        Set<String> tables = new LinkedHashSet<>(config.maintenanceTables());
        if (config.maintenance().tables() == null && config.sql().enabled()) {
            try {
                new SqlRunner(config, flink)
                        .models()
                        .tables()
                        .forEach(m -> tables.add(m.tableName()));
            } catch (IllegalArgumentException e) {
                out.println("the SQL layer's tables are not maintained: " + e.getMessage());
            }
        }
        return List.copyOf(tables);
    }

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        boolean once = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(args[++i]);
                case "--once" -> once = true;
                default -> {
                    System.err.println("usage: MaintenanceJob --config tideline.yaml [--once]");
                    System.exit(2);
                }
            }
        }
        if (configFile == null) {
            System.err.println("usage: MaintenanceJob --config tideline.yaml [--once]");
            System.exit(2);
        }
        TidelineConfig config;
        try {
            config = ConfigLoader.fromEnvironment().load(configFile);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        MaintenanceJob job =
                new MaintenanceJob(config, FlinkSettings.jobConfiguration(config.flink()));
        if (once) {
            job.runOnce(System.out);
            return;
        }
        ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
        long every = config.maintenance().interval().toMillis();
        schedule.scheduleWithFixedDelay(
                () -> {
                    try {
                        job.runOnce(System.out);
                    } catch (RuntimeException e) {
                        System.out.println("Maintenance pass failed: " + e.getMessage());
                    }
                },
                0,
                every,
                TimeUnit.MILLISECONDS);
        schedule.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
    }
}
