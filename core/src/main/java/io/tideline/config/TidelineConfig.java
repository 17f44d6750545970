/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The whole deployment in one typed model: where its parts are (Kafka, PostgreSQL, the Iceberg
 * catalog), how Flink runs, where the local platform keeps its data, and the sections each module
 * reads: {@code sources} (ingestion), {@code sql} (the SQL layer), {@code destinations} and {@code
 * syncs} (reverse ETL). Every section is validated here, at load, with the others.
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
        SourcesConfig sources,
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
        sources = sources == null ? new SourcesConfig(null) : sources;
        sql = sql == null ? new SqlConfig(null) : sql;
        destinations = destinations == null ? Map.of() : new TreeMap<>(destinations);
        syncs = syncs == null ? Map.of() : new TreeMap<>(syncs);
        maintenance = maintenance == null ? MaintenanceConfig.defaults() : maintenance;
    }

    /** A configuration with every section at its defaults (embedded parts, no warehouse). */
    public static TidelineConfig defaults() {
        return new TidelineConfig(null, null, null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        local.validate(problems.at("local"));
        kafka.validate(problems.at("kafka"));
        postgres.validate(problems.at("postgres"));
        catalog.validate(problems.at("catalog"));
        flink.validate(problems.at("flink"));
        sources.validate(problems.at("sources"));
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
                sources.resolvePaths(baseDir),
                sql.resolvePaths(baseDir),
                mapValues(destinations, d -> d.resolvePaths(baseDir)),
                mapValues(syncs, s -> s.resolvePaths(baseDir)),
                maintenance.resolvePaths(baseDir));
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
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }

    public TidelineConfig withSources(SourcesConfig sources) {
        return new TidelineConfig(
                local,
                kafka,
                postgres,
                catalog,
                flink,
                sources,
                sql,
                destinations,
                syncs,
                maintenance);
    }
}
