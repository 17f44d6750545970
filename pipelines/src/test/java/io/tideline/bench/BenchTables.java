/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestTables;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/** The benchmarks' {@code --table-property} and {@code --changelog-property} options. */
final class BenchTables {

    private BenchTables() {}

    /** Adds one {@code key=value} of {@code option} to {@code into}. */
    static void property(Map<String, String> into, String option, String keyValue) {
        int eq = keyValue.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(option + " takes key=value, got '" + keyValue + "'");
        }
        into.put(keyValue.substring(0, eq), keyValue.substring(eq + 1));
    }

    /**
     * Creates the tables of {@code sources} ahead of their job, so that its writers read the
     * properties at the job's start: {@code all} on every table, {@code changelog} on the sources'
     * change logs only.
     */
    static void createWithProperties(
            TidelineConfig config,
            List<String> sources,
            Map<String, String> all,
            Map<String, String> changelog) {
        Catalog catalog = IcebergCatalogs.open(config);
        List<TableIdentifier> changelogs =
                sources.stream()
                        .map(s -> IngestTables.changelog(IngestTables.table(config, s)))
                        .toList();
        for (TableIdentifier id : IngestTables.ensure(catalog, config, sources).keySet()) {
            UpdateProperties update = catalog.loadTable(id).updateProperties();
            all.forEach(update::set);
            if (changelogs.contains(id)) {
                changelog.forEach(update::set);
            }
            update.commit();
        }
    }
}
