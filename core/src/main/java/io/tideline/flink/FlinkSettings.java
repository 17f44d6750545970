/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.flink;

import io.tideline.config.FlinkConfig;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Turns the {@code flink} section of the configuration into Flink's own {@link Configuration}, so
 * that every job runs with the same checkpointing, whether on the local MiniCluster or a cluster.
 */
public final class FlinkSettings {

    private FlinkSettings() {}

    /**
     * The job options: parallelism, exactly-once checkpoints (aligned: the Iceberg {@code
     * FlinkSink} can lose data with unaligned ones on Flink 2.x), a bounded restart strategy, then
     * the user's own {@code settings}, which win.
     */
    public static Configuration jobConfiguration(FlinkConfig flink) {
        Configuration c = new Configuration();
        c.setString("parallelism.default", String.valueOf(flink.parallelism()));
        c.setString(
                "execution.checkpointing.interval", flink.checkpointInterval().toMillis() + " ms");
        c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        c.setString("execution.checkpointing.unaligned.enabled", "false");
        c.setString(
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION");
        if (flink.checkpointDir() != null) {
            c.setString("execution.checkpointing.dir", flink.checkpointDir());
        }
        // A failing job must not restart forever: bounded attempts, then the job fails.
        c.setString("restart-strategy.type", "fixed-delay");
        c.setString("restart-strategy.fixed-delay.attempts", "10");
        c.setString("restart-strategy.fixed-delay.delay", "1 s");
        c.setString("pipeline.object-reuse", "true");
        flink.settings().forEach(c::setString);
        return c;
    }

    /**
     * An execution environment for {@code base} (a cluster's client configuration, or the job
     * configuration inside {@code flink run}) in the given mode.
     */
    public static StreamExecutionEnvironment environment(
            Configuration base, RuntimeExecutionMode mode) {
        Configuration c = new Configuration(base);
        c.setString("execution.runtime-mode", mode.name());
        if (c.getOptional(DeploymentOptions.TARGET).isPresent()) {
            // An explicit target (the local MiniCluster over REST): the plain constructor honours
            // it, where getExecutionEnvironment would fall back to a new local environment.
            return new StreamExecutionEnvironment(c);
        }
        // Inside `flink run`, the context environment targets the cluster.
        return StreamExecutionEnvironment.getExecutionEnvironment(c);
    }
}
