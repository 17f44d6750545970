/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/** The plain Flink SQL baselines' environment, which the benchmarks share. */
final class BenchSql {

    private BenchSql() {}

    /**
     * A BATCH table environment with the Iceberg catalog registered and the database {@code
     * tideline.bench}, where the baselines write their tables.
     */
    static StreamTableEnvironment batch(TidelineConfig config, Configuration flink) {
        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        FlinkSettings.environment(flink, RuntimeExecutionMode.BATCH),
                        EnvironmentSettings.inBatchMode());
        IcebergCatalogs.register(tEnv, config);
        tEnv.executeSql("CREATE DATABASE IF NOT EXISTS tideline.bench");
        return tEnv;
    }
}
