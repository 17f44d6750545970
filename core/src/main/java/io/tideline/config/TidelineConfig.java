/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/**
 * The whole deployment in one typed model: where its parts are (Kafka, PostgreSQL, the Iceberg
 * catalog), how Flink runs, and where the local platform keeps its data. Later sections (sources,
 * syncs, destinations) are added by the modules that use them.
 *
 * <p>Load it with {@link ConfigLoader}; a loaded instance has been validated and has absolute
 * paths.
 */
public record TidelineConfig(
        LocalConfig local,
        KafkaConfig kafka,
        PostgresConfig postgres,
        CatalogConfig catalog,
        FlinkConfig flink) {

    public TidelineConfig {
        local = local == null ? new LocalConfig(null) : local;
        kafka = kafka == null ? new KafkaConfig(null, null, null, null) : kafka;
        postgres =
                postgres == null
                        ? new PostgresConfig(null, null, null, null, null, null)
                        : postgres;
        catalog = catalog == null ? new CatalogConfig(null, null, null, null, null, null) : catalog;
        flink = flink == null ? new FlinkConfig(null, null, null, null, null, null) : flink;
    }

    void validate(Problems problems) {
        local.validate(problems.at("local"));
        kafka.validate(problems.at("kafka"));
        postgres.validate(problems.at("postgres"));
        catalog.validate(problems.at("catalog"));
        flink.validate(problems.at("flink"));
    }

    TidelineConfig resolvePaths(Path baseDir) {
        LocalConfig resolvedLocal = local.resolvePaths(baseDir);
        return new TidelineConfig(
                resolvedLocal,
                kafka,
                postgres,
                catalog.resolvePaths(baseDir),
                flink.resolvePaths(baseDir, resolvedLocal.dataDirPath()));
    }

    public TidelineConfig withKafka(KafkaConfig kafka) {
        return new TidelineConfig(local, kafka, postgres, catalog, flink);
    }

    public TidelineConfig withPostgres(PostgresConfig postgres) {
        return new TidelineConfig(local, kafka, postgres, catalog, flink);
    }

    public TidelineConfig withFlink(FlinkConfig flink) {
        return new TidelineConfig(local, kafka, postgres, catalog, flink);
    }
}
