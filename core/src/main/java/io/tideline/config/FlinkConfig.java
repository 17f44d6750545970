/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How Flink runs Tideline's jobs.
 *
 * @param parallelism default parallelism of every job
 * @param checkpointInterval exactly-once checkpoints; Iceberg commits on each one
 * @param checkpointDir where checkpoints go; defaults to {@code <data-dir>/checkpoints}
 * @param webUi whether the local MiniCluster serves the Flink web UI
 * @param restPort the local MiniCluster's REST and web UI port; 0 takes a free one
 * @param settings any other Flink option, passed as it is (for example {@code
 *     restart-strategy.type})
 */
public record FlinkConfig(
        Integer parallelism,
        Duration checkpointInterval,
        String checkpointDir,
        Boolean webUi,
        Integer restPort,
        Map<String, String> settings) {

    public FlinkConfig {
        parallelism = parallelism == null ? 2 : parallelism;
        checkpointInterval =
                checkpointInterval == null ? Duration.ofSeconds(10) : checkpointInterval;
        webUi = webUi == null ? Boolean.TRUE : webUi;
        restPort = restPort == null ? 0 : restPort;
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    void validate(Problems problems) {
        problems.require(
                parallelism >= 1 && parallelism <= 1024,
                "parallelism",
                "expected a number from 1 to 1024, got " + parallelism);
        problems.require(
                !checkpointInterval.isNegative() && checkpointInterval.toMillis() >= 10,
                "checkpoint-interval",
                "expected at least 10ms, got " + checkpointInterval);
        problems.require(
                restPort >= 0 && restPort <= 65535,
                "rest-port",
                "expected 0 (a free port) or a port up to 65535, got " + restPort);
        if ("true".equalsIgnoreCase(settings.get("execution.checkpointing.unaligned.enabled"))) {
            problems.at("settings")
                    .add(
                            "execution.checkpointing.unaligned.enabled",
                            "must stay false: the Iceberg FlinkSink can lose data with unaligned"
                                    + " checkpoints on Flink 2.x (apache/iceberg#15846)");
        }
    }

    FlinkConfig resolvePaths(Path baseDir, Path dataDir) {
        String dir;
        if (checkpointDir == null) {
            dir = dataDir.resolve("checkpoints").toUri().toString();
        } else if (checkpointDir.contains("://")) {
            dir = checkpointDir;
        } else {
            String local =
                    checkpointDir.startsWith("file:") ? checkpointDir.substring(5) : checkpointDir;
            dir = baseDir.resolve(local).normalize().toUri().toString();
        }
        return new FlinkConfig(parallelism, checkpointInterval, dir, webUi, restPort, settings);
    }

    public FlinkConfig withRestPort(int port) {
        return new FlinkConfig(
                parallelism, checkpointInterval, checkpointDir, webUi, port, settings);
    }
}
