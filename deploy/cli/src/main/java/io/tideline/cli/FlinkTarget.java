/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.local.LocalFlink;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * Where a command's Flink jobs run: the cluster the configuration targets ({@code tideline local
 * up} writes {@code execution.target: remote} and its MiniCluster's REST address into the {@code
 * flink.settings} of the configuration it writes back), or else a Flink MiniCluster started in this
 * process, with its web UI.
 */
final class FlinkTarget implements AutoCloseable {

    private final Configuration client;
    private final URI rest;
    private final LocalFlink started;

    private FlinkTarget(Configuration client, URI rest, LocalFlink started) {
        this.client = client;
        this.rest = rest;
        this.started = started;
    }

    static FlinkTarget of(TidelineConfig config, int slots) {
        Configuration job = FlinkSettings.jobConfiguration(config.flink());
        String target = job.getString("execution.target", "");
        String address = job.getString("rest.address", "");
        if (target.equals("remote") && !address.isEmpty()) {
            Configuration c = new Configuration(job);
            c.setString("execution.attached", "true");
            URI rest = URI.create("http://" + address + ":" + job.getString("rest.port", "8081"));
            return new FlinkTarget(c, rest, null);
        }
        LocalFlink local = LocalFlink.start(config.flink(), slots);
        return new FlinkTarget(local.clientConfiguration(), local.restAddress(), local);
    }

    /** The configuration jobs are submitted with. */
    Configuration client() {
        return client;
    }

    /** The cluster's REST endpoint, which serves the web UI too. */
    URI rest() {
        return rest;
    }

    boolean inProcess() {
        return started != null;
    }

    String jobLink(JobID job) {
        return rest.toString().replaceAll("/$", "") + "/#/job/running/" + job + "/overview";
    }

    /** Stops a job with a savepoint in {@code dir} and returns the savepoint's path. */
    String stopWithSavepoint(JobID job, String dir) throws Exception {
        try (RestClusterClient<StandaloneClusterId> rc =
                new RestClusterClient<>(client, StandaloneClusterId.getInstance())) {
            return rc.stopWithSavepoint(job, false, dir, SavepointFormatType.CANONICAL)
                    .get(180, TimeUnit.SECONDS);
        }
    }

    /**
     * Where savepoints go: the configuration's {@code execution.checkpointing.savepoint-dir}, else
     * {@code <local.data-dir>/savepoints}.
     */
    static String savepointDir(TidelineConfig config, Path given) {
        if (given != null) {
            return given.toAbsolutePath().normalize().toUri().toString();
        }
        String dir = config.flink().settings().get("execution.checkpointing.savepoint-dir");
        if (dir == null) {
            dir = config.flink().settings().get("state.savepoints.dir");
        }
        return dir != null
                ? dir
                : config.local().dataDirPath().resolve("savepoints").toUri().toString();
    }

    @Override
    public void close() {
        if (started != null) {
            started.close();
        }
    }
}
