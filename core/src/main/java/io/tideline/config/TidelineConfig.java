/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The whole deployment in one typed model: where its parts are (Kafka, PostgreSQL, the Iceberg
 * catalog), how Flink runs, where the local platform keeps its data, and the sections each module
 * reads: {@code ingestion} and {@code sources} (ingestion), {@code sql} (the SQL layer), {@code
 * destinations} and {@code syncs} (reverse ETL). Every section is validated here, at load, with the
 * others.
 *
 * <p>Load it with {@link ConfigLoader}; a loaded instance has been validated and has absolute
 * paths.
 */
public record TidelineConfig(
        LocalConfig local,
        KafkaConfig kafka,
        PostgresConfig postgres,
        CatalogConfig catalog,
        FlinkConfig flink,
        IngestionConfig ingestion,
        Map<String, SourceConfig> sources,
        SqlConfig sql,
        Map<String, DestinationConfig> destinations,
        Map<String, SyncConfig> syncs,
        MaintenanceConfig maintenance) {

    public TidelineConfig {
        local = local == null ? new LocalConfig(null) : local;
        kafka = kafka == null ? new KafkaConfig(null, null, null, null) : kafka;
        postgres =
                postgres == null
                        ? new PostgresConfig(null, null, null, null, null, null)
                        : postgres;
        catalog = catalog == null ? new CatalogConfig(null, null, null, null, null, null) : catalog;
        flink = flink == null ? new FlinkConfig(null, null, null, null, null, null) : flink;
        ingestion = ingestion == null ? IngestionConfig.defaults() : ingestion;
        sources =
                sources == null
                        ? Map.of()
                        : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        sql = sql == null ? new SqlConfig(null) : sql;
        destinations = destinations == null ? Map.of() : new TreeMap<>(destinations);
        syncs = syncs == null ? Map.of() : new TreeMap<>(syncs);
        maintenance = maintenance == null ? MaintenanceConfig.defaults() : maintenance;
    }

    /** A configuration with every section at its defaults (embedded parts, no warehouse). */
    public static TidelineConfig defaults() {
        return new TidelineConfig(null, null, null, null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        local.validate(problems.at("local"));
        kafka.validate(problems.at("kafka"));
        postgres.validate(problems.at("postgres"));
        catalog.validate(problems.at("catalog"));
        flink.validate(problems.at("flink"));
        ingestion.validate(problems.at("ingestion"));
        validateSources(problems);
        sql.validate(problems.at("sql"));
        destinations.forEach((name, d) -> d.validate(problems.at("destinations").at(name)));
        syncs.forEach((name, s) -> s.validate(problems.at("syncs").at(name)));
        maintenance.validate(problems.at("maintenance"));
        syncs.forEach(
                (name, s) -> s.validateReferences(destinations, problems.at("syncs").at(name)));
    }

    TidelineConfig resolvePaths(Path baseDir) {
        LocalConfig resolvedLocal = local.resolvePaths(baseDir);
        return new TidelineConfig(
                resolvedLocal,
                kafka,
                postgres,
                catalog.resolvePaths(baseDir),
                flink.resolvePaths(baseDir, resolvedLocal.dataDirPath()),
                ingestion,
                linkedValues(sources, s -> s.resolvePaths(baseDir)),
                sql.resolvePaths(baseDir),
                mapValues(destinations, d -> d.resolvePaths(baseDir)),
                mapValues(syncs, s -> s.resolvePaths(baseDir)),
                maintenance.resolvePaths(baseDir));
    }

    private void validateSources(Problems problems) {
        Map<String, String> tables = new java.util.HashMap<>();
        String ns = ingestion.namespace();
        tables.put(ns + "." + ingestion.quarantineTable(), "ingestion.quarantine-table");
        tables.put(ns + "." + ingestion.lateTable(), "ingestion.late-table");
        sources.forEach(
                (name, s) -> {
                    Problems at = problems.at("sources").at(name);
                    if (s == null) {
                        at.here("expected a mapping with kind: kafka | files | jdbc and columns");
                        return;
                    }
                    if (!name.matches("[a-z][a-z0-9_]*")) {
                        at.here(
                                "expected a source name of lower-case letters, digits and _"
                                        + " (it names metrics and, by default, the table)");
                    }
                    s.validate(at);
                    String table = s.tableOr(ns, name);
                    String clash = tables.putIfAbsent(table, "sources." + name);
                    if (clash != null) {
                        at.add("table", "'" + table + "' is already the table of " + clash);
                    }
                });
    }

    /**
     * The tables maintenance keeps: {@code maintenance.tables} when the file lists them; otherwise
     * every table ingestion writes (each source's table, the change log of each keyed one, the
     * quarantine and, when a source has an event time, the late table) and the quality checks'
     * tables. The SQL layer's model tables are added by the maintenance job, which reads the models
     * ({@code maintenance.MaintenanceJob}).
     */
    public java.util.List<String> maintenanceTables() {
        if (maintenance.tables() != null) {
            return maintenance.tables();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        String ns = ingestion.namespace();
        boolean late = false;
        for (Map.Entry<String, SourceConfig> e : sources.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            String table = e.getValue().tableOr(ns, e.getKey());
            out.add(table);
            if (!e.getValue().key().isEmpty()) {
                out.add(table + "_changelog");
            }
            late |= e.getValue().eventTime() != null;
        }
        out.add(ns + "." + ingestion.quarantineTable());
        if (late) {
            out.add(ns + "." + ingestion.lateTable());
        }
        if (sql.enabled()) {
            out.addAll(MaintenanceConfig.QUALITY_TABLES);
        }
        return out;
    }

    /** The enabled sources, in the file's order. */
    public Map<String, SourceConfig> enabledSources() {
        Map<String, SourceConfig> out = new LinkedHashMap<>();
        sources.forEach(
                (n, s) -> {
                    if (s.enabled()) {
                        out.put(n, s);
                    }
                });
        return out;
    }

    private static <V> Map<String, V> linkedValues(Map<String, V> map, UnaryOperator<V> f) {
        Map<String, V> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, v == null ? null : f.apply(v)));
        return out;
    }

    public TidelineConfig withSources(Map<String, SourceConfig> sources) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    public TidelineConfig withIngestion(IngestionConfig ingestion) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    private static <V> Map<String, V> mapValues(Map<String, V> map, UnaryOperator<V> f) {
        Map<String, V> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, f.apply(v)));
        return out;
    }

    public TidelineConfig withKafka(KafkaConfig kafka) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    public TidelineConfig withPostgres(PostgresConfig postgres) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    public TidelineConfig withDestinations(Map<String, DestinationConfig> destinations) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    public TidelineConfig withFlink(FlinkConfig flink) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                ingestion,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }
}
